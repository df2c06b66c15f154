"""Trip planning and departure boards: check the request, then search off the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from maas.domain.errors import InvalidRequest
from maas.domain.mobility import Offer
from maas.domain.planning import DepartureBoard, TripPlan, TripRequest
from maas.domain.ports import Clock, JourneyPlanner
from maas.domain.realtime import RealtimeInfo
from maas.domain.riders import RiderContext, issued_for
from maas.services.realtime import annotate_board, annotate_plan
from maas.services.transit_tickets import TransitTicketOffice

log = logging.getLogger(__name__)

MAX_DEPARTURES = 50


def _aware(value: dt.datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest("times need a UTC offset", fields={field: "add an offset such as +09:00"})


class PlanningService:
    """With a ticket office, every priced transit leg still to leave carries an offer to book it,
    remembered (through `remember`) so that booking prices it from the feed, never from the client.
    With real time, legs and departures carry expected times, cancellations and alerts."""

    def __init__(self, planner: JourneyPlanner, clock: Clock, *, tickets: TransitTicketOffice | None = None,
                 remember: Callable[[Sequence[Offer]], Awaitable[None]] | None = None,
                 realtime: RealtimeInfo | None = None) -> None:
        self._planner = planner
        self._clock = clock
        self._tickets, self._remember = tickets, remember
        self._realtime = realtime

    async def plan(self, request: TripRequest, rider: RiderContext | None = None) -> TripPlan:
        """Itineraries for a trip; exactly one of depart_at and arrive_by must be given. For a
        known rider, the ticket offers are issued for them: nobody else can book them."""
        if (request.depart_at is None) == (request.arrive_by is None):
            problem = "give exactly one of depart_at and arrive_by"
            raise InvalidRequest(problem, fields={"depart_at": problem, "arrive_by": problem})
        if request.depart_at is not None:
            _aware(request.depart_at, "depart_at")
        if request.arrive_by is not None:
            _aware(request.arrive_by, "arrive_by")
        plan = await asyncio.to_thread(self._planner.plan, request)
        if self._realtime is not None:
            plan = annotate_plan(plan, self._realtime)
        if self._tickets is None:
            return plan
        plan, offers = self._tickets.offers_for(plan)
        if self._remember is not None:
            await self._remember(issued_for(offers, rider))
        return plan

    async def departures(self, stop_id: str, *, at: dt.datetime | None = None,
                         limit: int = 10) -> DepartureBoard:
        """The next departures at a stop from `at` (default: now)."""
        if not 1 <= limit <= MAX_DEPARTURES:
            raise InvalidRequest("limit out of range", fields={"limit": f"between 1 and {MAX_DEPARTURES}"})
        when = self._clock.now() if at is None else at
        _aware(when, "from")
        board = await asyncio.to_thread(self._planner.departures, stop_id, when, limit=limit)
        return board if self._realtime is None else annotate_board(board, self._realtime)

    async def warm_up(self) -> None:
        """Load the network for today ahead of the first request; failures are logged only."""
        try:
            await asyncio.to_thread(self._planner.warm_up, self._clock.now())
        except Exception:  # a broken feed must not stop the API from serving everything else
            log.exception("could not warm up the journey planner")
