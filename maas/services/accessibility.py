"""The accessibility analysis: measures from a travel-time matrix, and its per-cell exports.

For each destination category and percentile, a cell's time is that to its nearest destination
of the category. A cell reaches the category within T when that time is <= T. Shares divide the
population (and the population aged 65+) of the cells reaching within T by the total; the mean
time is population-weighted over the cells reaching the category at all; the worst time is over
the cells with residents (None when one of them never reaches it); gaps are cells with residents
and no access within T. Only aggregates and per-cell values leave here, never a person.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from maas.domain.analyses import AccessibilityParams, Destination, Matrix, OriginPoint, RideService


def _seconds(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 1)


def _share(part: float, total: float) -> float | None:
    return None if total <= 0 else round(part / total, 6)


def compute(params: AccessibilityParams, origins: Sequence[OriginPoint], destinations: Sequence[Destination],
            matrix: Matrix, *, engine: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(summary, cells) as JSON values; matrix is [percentile][origin][destination] seconds."""
    categories = sorted({d.category for d in destinations})
    columns = {c: [j for j, d in enumerate(destinations) if d.category == c] for c in categories}
    thresholds_s = [t * 60 for t in params.thresholds_min]
    cells: list[dict[str, Any]] = [
        {"id": o.id, "lat": o.lat, "lon": o.lon, "population": o.population,
         "population_65_plus": o.population_65_plus, "times_s": {}, "opportunities": {},
         "ring": None if o.ring is None else [list(p) for p in o.ring]} for o in origins]
    total = sum(o.population for o in origins)
    total_65 = sum(o.population_65_plus for o in origins)
    summaries = []
    for category in categories:
        cols = columns[category]
        for cell in cells:
            cell["times_s"][category] = []
            cell["opportunities"][category] = []
        for pi, percentile in enumerate(params.percentiles):
            nearest = []
            for i, cell in enumerate(cells):
                row = matrix[pi][i]
                times = [row[j] for j in cols]
                nearest.append(min(times, default=math.inf))
                cell["times_s"][category].append(_seconds(nearest[-1]))
                cell["opportunities"][category].append([sum(1 for t in times if t <= limit) for limit in thresholds_s])
            summaries.append(_summary(category, percentile, len(cols), params.thresholds_min, origins, nearest,
                                      [c["opportunities"][category][pi] for c in cells], total, total_65))
    summary = {"engine": engine, "origins": len(origins), "total_population": total,
               "total_population_65_plus": total_65, "percentiles": list(params.percentiles),
               "thresholds_min": list(params.thresholds_min),
               "destinations": {c: len(columns[c]) for c in categories}, "categories": summaries,
               "destination_points": [{"id": d.id, "name": d.name, "category": d.category, "lat": d.lat, "lon": d.lon}
                                      for d in destinations]}
    return summary, cells


def _summary(category: str, percentile: int, n_destinations: int, thresholds_min: Sequence[int],
             origins: Sequence[OriginPoint], nearest: list[float], opportunities: list[list[int]],
             total: float, total_65: float) -> dict[str, Any]:
    within = []
    for k, minutes in enumerate(thresholds_min):
        reach = [t <= minutes * 60 for t in nearest]
        gap = [not r and o.population > 0 for r, o in zip(reach, origins)]
        mean_opp = sum(o.population * opp[k] for o, opp in zip(origins, opportunities))
        within.append({
            "minutes": minutes,
            "share_population": _share(sum(o.population for o, r in zip(origins, reach) if r), total),
            "share_population_65_plus": _share(sum(o.population_65_plus for o, r in zip(origins, reach) if r), total_65),
            "mean_opportunities": None if total <= 0 else round(mean_opp / total, 4),
            "gap_cells": sum(gap),
            "gap_population": sum(o.population for o, g in zip(origins, gap) if g),
            "gap_population_65_plus": sum(o.population_65_plus for o, g in zip(origins, gap) if g),
        })
    reached = [(o, t) for o, t in zip(origins, nearest) if math.isfinite(t)]
    weight = sum(o.population for o, _ in reached)
    weight_65 = sum(o.population_65_plus for o, _ in reached)
    peopled = [t for o, t in zip(origins, nearest) if o.population > 0]
    unreached = [o for o, t in zip(origins, nearest) if not math.isfinite(t)]
    return {
        "category": category, "percentile": percentile, "destinations": n_destinations, "within": within,
        "mean_time_s": None if weight <= 0 else round(sum(o.population * t for o, t in reached) / weight, 1),
        "mean_time_65_plus_s": None if weight_65 <= 0
        else round(sum(o.population_65_plus * t for o, t in reached) / weight_65, 1),
        "worst_time_s": None if not peopled else _seconds(max(peopled)),
        "unreachable_cells": sum(1 for o in unreached if o.population > 0),
        "unreachable_population": sum(o.population for o in unreached),
        "unreachable_population_65_plus": sum(o.population_65_plus for o in unreached),
        "gap_cell_ids": [o.id for o, t in zip(origins, nearest)
                         if o.population > 0 and not t <= max(thresholds_min) * 60],
    }


def modes_summary(rides: Sequence[RideService]) -> dict[str, Any]:
    """Which modes the travel times allowed, and what each ride mode assumed (wait, speed, zone, hours)."""
    modes = ["walk", "transit", *dict.fromkeys(r.mode for r in rides)]
    return {"modes": modes, "ride_modes": [
        {"mode": r.mode, "operator_id": r.operator_id or None,
         "zone": r.zone_name or ("anywhere" if r.zone is None else ""),
         "wait_min": round(r.wait_s / 60, 1), "speed_kmh": round(r.speed_mps * 3.6, 1), "road_factor": r.road_factor,
         "hours": None if r.hours is None else [f"{_clock(a)}-{_clock(b)}" for a, b in r.hours]} for r in rides]}


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


# -- exports ---------------------------------------------------------------------------------
def _columns(summary: dict[str, Any]) -> list[tuple[str, str, int, int | None]]:
    """(name, category, percentile index, threshold index or None for the time) per CSV column."""
    out: list[tuple[str, str, int, int | None]] = []
    for category in summary["destinations"]:
        for pi, p in enumerate(summary["percentiles"]):
            out.append((f"{category}_p{p}_min", category, pi, None))
            for k, minutes in enumerate(summary["thresholds_min"]):
                out.append((f"{category}_p{p}_n{minutes}", category, pi, k))
    return out


def cells_csv(summary: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    """One row per cell: its counts, the minutes to the nearest destination of each category at each
    percentile (empty when not reached) and the number of destinations within each threshold."""
    columns = _columns(summary)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cell_id", "lat", "lon", "population", "population_65_plus", *(c[0] for c in columns)])
    for cell in cells:
        values = []
        for _, category, pi, k in columns:
            if k is None:
                t = cell["times_s"][category][pi]
                values.append("" if t is None else f"{t / 60:.2f}")
            else:
                values.append(cell["opportunities"][category][pi][k])
        writer.writerow([cell["id"], cell["lat"], cell["lon"], _number(cell["population"]),
                         _number(cell["population_65_plus"]), *values])
    return out.getvalue()


def cells_geojson(summary: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Cells as features with the CSV's values as properties (null: not reached): Polygons of their outline
    (JIS X 0410 mesh cells, hexagons), Points (their centres) for cells without one."""
    columns = _columns(summary)
    features = []
    for cell in cells:
        props: dict[str, Any] = {"cell_id": cell["id"], "population": cell["population"],
                                 "population_65_plus": cell["population_65_plus"]}
        for name, category, pi, k in columns:
            if k is None:
                t = cell["times_s"][category][pi]
                props[name] = None if t is None else round(t / 60, 2)
            else:
                props[name] = cell["opportunities"][category][pi][k]
        features.append({"type": "Feature", "id": cell["id"],
                         "geometry": geometry(cell),
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def geometry(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's outline as a GeoJSON Polygon when it has one, else its centre as a Point."""
    ring = cell.get("ring")
    if ring:
        return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}
    return {"type": "Point", "coordinates": [cell["lon"], cell["lat"]]}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
