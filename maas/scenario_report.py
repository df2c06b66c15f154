"""Drawings and pages of scenario comparisons and route performance for `MatplotlibReportRenderer`:
before and after maps of the travel time to the nearest destination, a difference map (cells losing
access within the largest T in red, gaining in green, slower or faster in a diverging scale), and
tables of who gains or loses, the routes and the money. Imported by `maas.analysis_report` only,
after it has chosen matplotlib's Agg backend."""

from __future__ import annotations

import html
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from maas.domain.analyses import Analysis
from maas.report_layers import marker_size, travel_time_layer

MAX_CATEGORIES = 4


def scenario_map(summary: dict[str, Any], cells: list[dict[str, Any]]) -> Figure:
    """One row per destination category (at most MAX_CATEGORIES): before, after and the difference."""
    categories = list(summary.get("destinations", {}))[:MAX_CATEGORIES] or [""]
    figure, axes = plt.subplots(len(categories), 3, figsize=(16.5, 5 * len(categories)), squeeze=False,
                                layout="constrained")
    for row, category in zip(axes, categories):
        _category_row(figure, row, summary, cells, category)
    return figure


def _category_row(figure: Figure, axes: Any, summary: dict[str, Any], cells: list[dict[str, Any]],
                  category: str) -> None:
    percentile = (summary.get("percentiles") or [50])[0]
    limit = max(summary.get("thresholds_min") or [60])
    size = marker_size(len(cells))
    lon = [c["lon"] for c in cells]
    lat = [c["lat"] for c in cells]
    population = [c["population"] for c in cells]
    for ax, key, title in ((axes[0], "times_s", "before"), (axes[1], "times_after_s", "after")):
        seconds = [c[key][category][0] if category else None for c in cells]
        travel_time_layer(figure, ax, lon, lat, seconds, limit_min=limit, percentile=percentile, size=size,
                          population=population)
        _frame(ax, f"{category}: {title}", summary, category)
    ax = axes[2]
    changes: list[float] = []
    colours: list[Any] = []
    for c in cells:
        old = c["times_s"][category][0] if category else None
        new = c["times_after_s"][category][0] if category else None
        was, now = old is not None and old <= limit * 60, new is not None and new <= limit * 60
        if was and not now:
            colours.append("red")
        elif now and not was:
            colours.append("green")
        else:
            colours.append(None)
        changes.append(0.0 if old is None or new is None else (new - old) / 60)
    plain = [i for i, colour in enumerate(colours) if colour is None]
    points = ax.scatter([lon[i] for i in plain], [lat[i] for i in plain], c=[changes[i] for i in plain],
                        cmap="coolwarm", vmin=-30, vmax=30, marker="s", s=size)
    figure.colorbar(points, ax=ax, shrink=0.8, label="change in minutes (+ slower)")
    for colour, label in (("red", f"loses access within {limit} min"), ("green", f"gains access within {limit} min")):
        marked = [i for i, c in enumerate(colours) if c == colour]
        if marked:
            ax.scatter([lon[i] for i in marked], [lat[i] for i in marked], c=colour, marker="s", s=size,
                       edgecolors="black", label=label)
    _frame(ax, f"{category}: difference", summary, category)


def _frame(ax: Any, title: str, summary: dict[str, Any], category: str) -> None:
    places = [d for d in summary.get("destination_points", []) if d["category"] == category]
    if places:
        ax.scatter([d["lon"] for d in places], [d["lat"] for d in places], c="red", marker="*", s=160,
                   edgecolors="black", label=category)
    ax.set_title(title)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1.25)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize="small")


def _n(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else html.escape(str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_n(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


STYLE = """<style>body{font-family:sans-serif;margin:2em;max-width:90em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}</style>"""


def scenario_page(analysis: Analysis, summary: dict[str, Any], map_uri: str) -> str:
    e = html.escape
    p = analysis.parameters
    access = _table(["category", "percentile", "T (min)", "cells gaining", "cells losing", "residents gaining",
                     "of whom the vans can take", "residents losing", "65+ gaining", "65+ losing"],
                    [[a["category"], f"p{a['percentile']}", a["minutes"], a["cells_gained"], a["cells_lost"],
                      a["residents_gained"], _round(a.get("residents_gained_served")), a["residents_lost"],
                      a["residents_65_plus_gained"], a["residents_65_plus_lost"]] for a in summary.get("access", [])])
    routes = _table(["route", "name", "trips before", "trips after", "hours before", "hours after", "km before",
                     "km after"],
                    [[r["route_id"], r["name"], *(_pair(r, "trips")), *(_pair(r, "service_hours")),
                      *(_pair(r, "service_km"))] for r in summary.get("routes", []) if r["changed"]])
    money = summary.get("economics")
    economics = "<p>No cost model was given.</p>" if not money else _table(
        ["", "before", "after", "change"],
        [["operating cost (yen)", money["cost_before_yen"], money["cost_after_yen"], money["cost_change_yen"]],
         ["revenue (yen)", money.get("revenue_before_yen"), money.get("revenue_after_yen"), None],
         ["subsidy (yen)", money["subsidy_before_yen"], money["subsidy_after_yen"], money["subsidy_change_yen"]],
         ["passengers", money.get("passengers_before"), money.get("passengers_after"), None],
         ["subsidy per passenger (yen)", money.get("subsidy_per_passenger_before_yen"),
          money.get("subsidy_per_passenger_after_yen"), None]]
    ) + f"<p>{e(money['revenue_note'])}</p>"
    zones = _table(["zone", "routes replaced", "vans × seats", "hours", "riders asking", "riders taken",
                    "riders not taken", "most aboard", "riders per van", "pooling rate", "riders per vehicle-hour",
                    "vehicle-hours", "km"],
                   [[z.get("name", ""), ", ".join(z["route_ids"]), f"{z['vehicles']} × {z['seats']}",
                     f"{z['start']}–{z['end']}", z.get("riders_requested"), z["riders_served"],
                     z.get("riders_not_served"), z.get("max_onboard"),
                     " / ".join(str(n) for n in z.get("riders_per_vehicle", [])), _round(z["pooling_rate"]),
                     _round(z["passengers_per_vehicle_hour"]), round(z["vehicle_hours"], 2), round(z["km"], 1)]
                    for z in summary.get("on_demand", [])])
    edits = "".join(f"<li>{e(describe_edit(x))}</li>" for x in summary.get("edits", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenario comparison {e(analysis.id)}</title>{STYLE}</head>
<body><h1>Scenario comparison {e(analysis.id)}</h1>
<p>{e(str(p.get('date')))}, leaving between {e(str(p.get('start')))} and {p.get('window_min')} minutes later;
{summary.get('origins')} cells, {summary.get('total_population', 0):g} residents of whom
{summary.get('total_population_65_plus', 0):g} aged 65+; engine {e(str(summary.get('engine')))}.</p>
<h2>Edits</h2><ol>{edits}</ol>
<h2>Who gains or loses access within T minutes</h2>{access}
<h2>Maps</h2><img alt="travel time before, after and the difference" src="{map_uri}">
<h2>Routes changed</h2>{routes}
<h2>Cost</h2>{economics}
<h2>On-demand zones (simulated)</h2>{zones}
</body></html>
"""


def describe_edit(edit: dict[str, Any]) -> str:
    """One sentence per edit for a reader, not the stored dictionary."""
    kind = edit.get("type")
    window = f" from {edit['start']} to {edit['end']}" if edit.get("start") and edit.get("end") else ""
    if kind == "set_headway":
        return f"route {edit['route_id']}: a bus every {edit['headway_min']} min{window}"
    if kind == "set_span":
        return f"route {edit['route_id']}: only trips starting{window}"
    if kind == "remove_route":
        return f"route {edit['route_id']} removed"
    if kind == "add_route":
        return (f"new route {edit['route_id']} ({edit['name']}) over {len(edit['stop_ids'])} stops, "
                f"every {edit['headway_min']} min{window}")
    if kind == "replace_by_on_demand":
        return (f"route(s) {', '.join(edit['route_ids'])} replaced by {edit['vehicles']} on-demand van(s) of "
                f"{edit['seats']} seats{window}, {edit.get('speed_kmh', 25):g} km/h, wait at least "
                f"{edit.get('wait_min', 10)} min, booked {edit.get('booking_lead_min', 30)} min ahead, fare "
                f"{edit.get('fare_yen', 0)} yen")
    return str(kind)


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def _pair(route: dict[str, Any], key: str) -> list[Any]:
    return [None if route[side] is None else route[side][key] for side in ("before", "after")]


def routes_chart(summary: dict[str, Any]) -> Figure:
    """Operating cost and revenue per route running in the period (yen)."""
    routes = [r for r in summary.get("routes", []) if r["trips"]]
    figure, ax = plt.subplots(figsize=(max(6.4, 1.1 * len(routes)), 4), layout="constrained")
    x = list(range(len(routes)))
    ax.bar([i - 0.2 for i in x], [r["operating_cost_yen"] for r in routes], width=0.4, label="operating cost")
    ax.bar([i + 0.2 for i in x], [r["revenue_yen"] for r in routes], width=0.4, label="revenue (tickets sold)")
    # Route ids, not names: the Agg fonts lack Japanese glyphs (the table on the page has the names).
    ax.set_xticks(x, [r["route_id"] if r["route_id"].isascii() else f"#{i + 1}" for i, r in enumerate(routes)],
                  rotation=30, ha="right")
    ax.set_ylabel("yen")
    ax.set_title(f"Routes {summary.get('period', {}).get('from')} to {summary.get('period', {}).get('to')}")
    ax.grid(alpha=0.3, axis="y")
    if routes:
        ax.legend(fontsize="small")
    return figure


def routes_page(analysis: Analysis, summary: dict[str, Any], chart_uri: str) -> str:
    e = html.escape
    period = summary.get("period", {})
    routes = _table(["route", "name", "days running", "trips", "service hours", "km", "boardings", "revenue",
                     "operating cost", "subsidy", "subsidy per passenger", "cost recovery"],
                    [[r["route_id"], r["name"], r["days_running"], r["trips"], r["service_hours"], r["service_km"],
                      r["boardings"], r["revenue_yen"], r["operating_cost_yen"], r["subsidy_yen"],
                      r["subsidy_per_passenger_yen"], r["cost_recovery"]] for r in summary.get("routes", [])])
    od = summary.get("on_demand")
    if od and od.get("suppressed"):  # too few consenting riders to show without singling one out
        on_demand = (f"<p>On-demand figures of {e(str(od.get('operator_id')))} are withheld: fewer than "
                     f"{e(str(od.get('min_riders')))} riders agreed to share their trips (docs/privacy.md).</p>")
    else:
        on_demand = "<p>No on-demand operator was measured.</p>" if not od else _table(
            ["operator", "served", "cancelled", "no-shows", "refused", "refusal rate", "riders", "pooling rate",
             "vehicle-hours", "riders per vehicle-hour", "operating cost", "revenue", "subsidy per passenger"],
            [[od["operator_id"], od["served"], od["cancelled"], od["no_shows"],
              ", ".join(f"{code} {n}" for code, n in (od.get("refused") or {}).items()) or od.get("refused_quotes"),
              od.get("refusal_rate"), od["riders"], od["pooling_rate"], od["vehicle_hours"],
              od["riders_per_vehicle_hour"], od["operating_cost_yen"], od["revenue_yen"],
              od["subsidy_per_passenger_yen"]]])
    tv = summary.get("taxi_voucher")
    taxi = "<p>Not measured in this analysis.</p>" if not tv else _table(
        ["trips", "voucher spend (town)", "riders' share", "operator revenue", "subsidy per trip", "cost per trip",
         "operating cost", "rules"],
        [[tv["trips"], tv["subsidy_yen"], tv["rider_paid_yen"], tv["revenue_yen"], tv["subsidy_per_trip_yen"],
          tv["cost_per_trip_yen"], tv["operating_cost_yen"], ", ".join(tv["rules"])]])
    measured = "".join(f"<li>{e(m)}</li>" for m in summary.get("measured", []))
    missing = "".join(f"<li>{e(m)}</li>" for m in summary.get("not_measured", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Route performance {e(analysis.id)}</title>{STYLE}</head>
<body><h1>Route performance {e(analysis.id)}</h1>
<p>{e(str(period.get('from')))} to {e(str(period.get('to')))} ({period.get('days')} days); cost model
{e(str(summary.get('cost_model')))}.</p>
<h2>Routes</h2>{routes}<p>{summary.get('unattributed_transit_legs', 0)} sold transit legs name no route.</p>
<img alt="cost and revenue per route" src="{chart_uri}">
<h2>On-demand</h2>{on_demand}
<h2>Taxi voucher</h2>{taxi}
<h2>Measured</h2><ul>{measured}</ul><h2>Not measured</h2><ul>{missing}</ul>
</body></html>
"""
