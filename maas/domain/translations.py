"""Names in the rider's language: the feeds' translations of stop, route, agency and headsign texts,
and plans and departure boards rewritten with them.

Translations are looked up by the original (Japanese) text of a field, as GTFS `translations.txt`
does with `field_value` (and GTFS-JP v1 with `trans_id`); a text without a translation stays as the
feed wrote it, so a rider never sees an empty name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, Self, TypeVar

from maas.domain.planning import Departure, DepartureBoard, LegPlace, TransitLeg, TripPlan

ANY_FIELD = "*"  # GTFS-JP v1 translations name no field


@dataclass(frozen=True)
class Translations:
    """field name (`stop_name`, `route_long_name`, ...) → original text → language → translation."""

    table: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)

    def text(self, field_name: str, original: str, language: str) -> str:
        for key in (field_name, ANY_FIELD):
            found = self.table.get(key, {}).get(original, {}).get(language)
            if found:
                return found
        return original

    def __bool__(self) -> bool:
        return bool(self.table)


class _Leg(Protocol):
    @property
    def origin(self) -> LegPlace: ...

    @property
    def destination(self) -> LegPlace: ...

    def model_copy(self, *, update: dict[str, object] | None = None, deep: bool = False) -> Self: ...


L = TypeVar("L", bound=_Leg)


class TranslationSource(Protocol):
    """The translations of the feeds the planner routes over (reads files: call it off the event loop)."""

    def translations(self) -> Translations: ...


def _place(place: LegPlace, t: Translations, language: str) -> LegPlace:
    # Only stops have feed names; a rider's own label ("自宅") is theirs.
    if place.stop_id is None:
        return place
    return place.model_copy(update={"name": t.text("stop_name", place.name, language)})


def _ride_names(item: TransitLeg | Departure, t: Translations, language: str) -> dict[str, str]:
    return {
        "route_short_name": t.text("route_short_name", item.route_short_name, language),
        "route_long_name": t.text("route_long_name", item.route_long_name, language),
        "agency_name": t.text("agency_name", item.agency_name, language),
        "headsign": t.text("trip_headsign", item.headsign, language),
    }


def translate_leg(leg: L, t: Translations, language: str) -> L:
    """Any leg with an `origin` and a `destination` place (walk, transit, an operator's ride)."""
    update: dict[str, object] = {"origin": _place(leg.origin, t, language),
                                 "destination": _place(leg.destination, t, language)}
    if isinstance(leg, TransitLeg):
        update.update(_ride_names(leg, t, language))
    return leg.model_copy(update=update)


def translate_plan(plan: TripPlan, t: Translations, language: str) -> TripPlan:
    if not t:
        return plan
    itineraries = tuple(it.model_copy(update={"legs": tuple(translate_leg(leg, t, language) for leg in it.legs)})
                        for it in plan.itineraries)
    return plan.model_copy(update={"itineraries": itineraries})


def translate_board(board: DepartureBoard, t: Translations, language: str) -> DepartureBoard:
    if not t:
        return board
    departures = tuple(d.model_copy(update={"stop": _place(d.stop, t, language), **_ride_names(d, t, language)})
                       for d in board.departures)
    return board.model_copy(update={"stop": _place(board.stop, t, language), "departures": departures})

