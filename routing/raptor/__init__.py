"""RAPTOR over compiled timetables: earliest arrival, arrive-by, range queries and matrices."""

from routing.raptor.journeys import Journey, Leg, TransitLeg, WalkLeg
from routing.raptor.search import RaptorParams, RaptorResult, RaptorRouter

__all__ = ["Journey", "Leg", "RaptorParams", "RaptorResult", "RaptorRouter", "TransitLeg",
           "WalkLeg"]
