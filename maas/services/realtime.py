"""Riders told: plans and departure boards annotated with expected times, cancellations and alerts.

The schedule stays what it is; real time sits beside it. A transit leg is cancelled when its trip
is, or when the stop it boards or leaves at is skipped. A trip that runs past midnight belongs to
the previous service date, which is tried when the plan's own date knows nothing of the trip.
"""

from __future__ import annotations

import datetime as dt

from maas.domain.planning import Departure, DepartureBoard, Itinerary, TransitLeg, TripPlan
from maas.domain.realtime import CallStatus, RealtimeInfo


def _call(info: RealtimeInfo, trip_id: str, day: dt.date, stop_id: str | None, scheduled: dt.datetime,
          departure: bool) -> CallStatus | None:
    if stop_id is None:
        return None
    for service_date in (day, day - dt.timedelta(days=1)):
        found = info.call(trip_id, service_date, stop_id, scheduled, departure=departure)
        if found is not None:
            return found
    return None


def annotate_leg(leg: TransitLeg, day: dt.date, info: RealtimeInfo) -> TransitLeg:
    board = _call(info, leg.trip_id, day, leg.origin.stop_id, leg.departure, True)
    alight = _call(info, leg.trip_id, day, leg.destination.stop_id, leg.arrival, False)
    alerts = info.alerts(leg.departure, trip_id=leg.trip_id, route_id=leg.route_id, route_type=leg.route_type,
                         stop_ids=[s for s in (leg.origin.stop_id, leg.destination.stop_id) if s])
    if board is None and alight is None and not alerts:
        return leg
    cancelled = any(c is not None and (c.cancelled or c.skipped) for c in (board, alight))
    return leg.model_copy(update={
        "expected_departure": None if board is None else board.expected,
        "expected_arrival": None if alight is None else alight.expected,
        "cancelled": cancelled, "alerts": alerts})


def annotate_plan(plan: TripPlan, info: RealtimeInfo) -> TripPlan:
    def itinerary(it: Itinerary) -> Itinerary:
        legs = tuple(annotate_leg(leg, plan.service_date, info) if isinstance(leg, TransitLeg) else leg
                     for leg in it.legs)
        return it if legs == it.legs else it.model_copy(update={"legs": legs})
    return plan.model_copy(update={"itineraries": tuple(itinerary(it) for it in plan.itineraries)})


def annotate_departure(departure: Departure, day: dt.date, info: RealtimeInfo) -> Departure:
    call = _call(info, departure.trip_id, day, departure.stop.stop_id, departure.departure, True)
    alerts = info.alerts(departure.departure, trip_id=departure.trip_id, route_id=departure.route_id,
                         route_type=departure.route_type,
                         stop_ids=[departure.stop.stop_id] if departure.stop.stop_id else [])
    if call is None and not alerts:
        return departure
    return departure.model_copy(update={
        "expected_departure": None if call is None else call.expected,
        "delay_s": None if call is None else call.delay_s,
        "cancelled": call is not None and call.cancelled, "skipped": call is not None and call.skipped,
        "alerts": alerts})


def annotate_board(board: DepartureBoard, info: RealtimeInfo) -> DepartureBoard:
    return board.model_copy(update={"departures": tuple(annotate_departure(d, board.service_date, info)
                                                        for d in board.departures)})
