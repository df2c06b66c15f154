"""The scenario comparison: the accessibility measures before and after a scenario's edits, who gains
or loses access, and its per-cell exports (before, after and change columns).

A cell gains a category within T when its time to the nearest destination of the category is
> T before and <= T after (and loses it the other way round); residents and residents aged 65+
are those of the cells gaining or losing. Per cell and percentile: the minutes before and after
(empty: not reached within the travel limit) and the change (after - before, empty unless both
were reached). Only aggregates and per-cell values leave here, never a person.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from maas.domain.analyses import Destination, OriginPoint
from maas.domain.scenarios import ScenarioOutcome, ScenarioParams
from maas.services import accessibility
from maas.services.accessibility import geometry


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def compute(params: ScenarioParams, origins: Sequence[OriginPoint], destinations: Sequence[Destination],
            outcome: ScenarioOutcome, *, engine: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(summary, cells) as JSON values."""
    before, cells = accessibility.compute(params, origins, destinations, outcome.before, engine=engine)
    after, cells_after = accessibility.compute(params, origins, destinations, outcome.after, engine=engine)
    for cell, later in zip(cells, cells_after):
        cell["times_after_s"] = later["times_s"]
        cell["opportunities_after"] = later["opportunities"]
    access = [{"category": a.category, "percentile": a.percentile, "minutes": a.minutes,
               "cells_gained": len(a.gained), "cells_lost": len(a.lost),
               "residents_gained": a.residents_gained, "residents_lost": a.residents_lost,
               "residents_65_plus_gained": a.residents_65_plus_gained,
               "residents_65_plus_lost": a.residents_65_plus_lost,
               "residents_gained_served": a.residents_gained_served,
               "residents_65_plus_gained_served": a.residents_65_plus_gained_served,
               "gained_cell_ids": list(a.gained), "lost_cell_ids": list(a.lost)} for a in outcome.access]
    by_route_after = {r.route_id: r for r in outcome.routes_after}
    by_route_before = {r.route_id: r for r in outcome.routes_before}
    routes = []
    for route_id in dict.fromkeys([*by_route_before, *by_route_after]):
        old, new = by_route_before.get(route_id), by_route_after.get(route_id)
        routes.append({"route_id": route_id, "name": (old or new).name,  # type: ignore[union-attr]
                       "before": None if old is None else asdict(old), "after": None if new is None else asdict(new),
                       "changed": old != new})
    summary = {key: before[key] for key in ("engine", "origins", "total_population", "total_population_65_plus",
                                            "percentiles", "thresholds_min", "destinations", "destination_points")}
    summary.update({"edits": [e.model_dump(mode="json") for e in params.edits],
                    "access": access, "categories_before": before["categories"],
                    "categories_after": after["categories"], "routes": routes,
                    "economics": outcome.economics, "on_demand": outcome.on_demand})
    return summary, cells


# -- exports ---------------------------------------------------------------------------------
def _columns(summary: dict[str, Any]) -> list[tuple[str, str, int, str, int | None]]:
    """(name, category, percentile index, what, threshold minutes) per CSV column."""
    out: list[tuple[str, str, int, str, int | None]] = []
    for category in summary["destinations"]:
        for pi, p in enumerate(summary["percentiles"]):
            for what in ("before", "after", "change"):
                out.append((f"{category}_p{p}_{what}_min", category, pi, what, None))
            for minutes in summary["thresholds_min"]:
                out.append((f"{category}_p{p}_within{minutes}", category, pi, "access", minutes))
    return out


def _value(cell: dict[str, Any], category: str, pi: int, what: str, minutes: int | None) -> Any:
    old = cell["times_s"][category][pi]
    new = cell["times_after_s"][category][pi]
    if what == "before":
        return _minutes(old)
    if what == "after":
        return _minutes(new)
    if what == "change":
        return None if old is None or new is None else round((new - old) / 60, 2)
    assert minutes is not None
    limit = minutes * 60
    was, now = old is not None and old <= limit, new is not None and new <= limit
    return "gained" if now and not was else "lost" if was and not now else "kept" if now else "never"


def cells_csv(summary: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    """One row per cell: residents, minutes before and after the edits and their change, and per threshold
    whether the cell gained, lost, kept or never had the category within it."""
    columns = _columns(summary)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cell_id", "lat", "lon", "population", "population_65_plus", *(c[0] for c in columns)])
    for cell in cells:
        values = [_value(cell, *c[1:]) for c in columns]
        writer.writerow([cell["id"], cell["lat"], cell["lon"], _number(cell["population"]),
                         _number(cell["population_65_plus"]), *("" if v is None else v for v in values)])
    return out.getvalue()


def cells_geojson(summary: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    columns = _columns(summary)
    features = []
    for cell in cells:
        props: dict[str, Any] = {"cell_id": cell["id"], "population": cell["population"],
                                 "population_65_plus": cell["population_65_plus"]}
        props.update({c[0]: _value(cell, *c[1:]) for c in columns})
        features.append({"type": "Feature", "id": cell["id"],
                         "geometry": geometry(cell),
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
