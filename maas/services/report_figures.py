"""Every figure the reports show, as one long CSV (section, item, measure, value): what a council paper's
tables and charts were drawn from, for a spreadsheet. Accessibility: the shares, gaps and travel times per
category, percentile and T; scenario: who gains or loses, cost and revenue, and the vans' simulated day."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

Row = tuple[str, str, str, Any]


def figures_csv(kind: str, summary: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "measure", "value"])
    rows = _scenario(summary) if kind == "scenario" else _accessibility(summary)
    writer.writerows(("" if v is None else v for v in row) for row in rows)
    return out.getvalue()


def _accessibility(summary: dict[str, Any]) -> Iterator[Row]:
    for entry in summary.get("categories", []):
        item = f"{entry['category']} p{entry['percentile']}"
        for w in entry["within"]:
            for measure in ("share_population", "share_population_65_plus", "mean_opportunities", "gap_cells",
                            "gap_population"):
                yield "within", item, f"{measure}_within_{w['minutes']}min", w.get(measure)
        for measure in ("mean_time_s", "mean_time_65_plus_s", "worst_time_s", "unreachable_population"):
            yield "travel_time", item, measure, entry.get(measure)


def _scenario(summary: dict[str, Any]) -> Iterator[Row]:
    for a in summary.get("access", []):
        item = f"{a['category']} p{a['percentile']} within {a['minutes']} min"
        for measure in ("cells_gained", "cells_lost", "residents_gained", "residents_gained_served", "residents_lost",
                        "residents_65_plus_gained", "residents_65_plus_gained_served", "residents_65_plus_lost"):
            yield "access", item, measure, a.get(measure)
    money = summary.get("economics") or {}
    for measure, value in money.items():
        if not isinstance(value, (dict, list, str)):
            yield "economics", "total", measure, value
    for side in ("before", "after"):
        for service, figures in (money.get(f"services_{side}") or {}).items():
            for measure, value in figures.items():
                yield f"services_{side}", service, measure, value
    for zone in summary.get("on_demand", []):
        for measure, value in zone.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                yield "on_demand", zone.get("name", ""), measure, value
    for entry in summary.get("categories_before", []):
        for w in entry["within"]:
            yield "within_before", f"{entry['category']} p{entry['percentile']}", \
                f"share_population_within_{w['minutes']}min", w.get("share_population")
    for entry in summary.get("categories_after", []):
        for w in entry["within"]:
            yield "within_after", f"{entry['category']} p{entry['percentile']}", \
                f"share_population_within_{w['minutes']}min", w.get("share_population")
