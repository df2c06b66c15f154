"""RAPTOR earliest-arrival search over compiled timetables, with journey reconstruction."""

from routing.raptor.search import (Journey, RaptorParams, RaptorResult, RaptorRouter,
                                   TransitLeg, WalkLeg)

__all__ = ["Journey", "RaptorParams", "RaptorResult", "RaptorRouter", "TransitLeg", "WalkLeg"]
