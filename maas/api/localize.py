"""Plans and departure boards with the feeds' translated names, for riders who read English."""

from __future__ import annotations

import asyncio

from maas.api.language import current
from maas.bootstrap import Container
from maas.domain.planning import DepartureBoard, TripPlan
from maas.domain.translations import Translations, translate_board, translate_plan

_FEED_LANGUAGE = "ja"  # what the feeds' own names are written in


async def _translations(container: Container) -> Translations | None:
    if current() == _FEED_LANGUAGE or container.names is None:
        return None
    return await asyncio.to_thread(container.names.translations)  # reads feed files the first time


async def plan(container: Container, trip: TripPlan) -> TripPlan:
    t = await _translations(container)
    return trip if t is None else translate_plan(trip, t, current())


async def board(container: Container, departures: DepartureBoard) -> DepartureBoard:
    t = await _translations(container)
    return departures if t is None else translate_board(departures, t, current())
