"""The A4 PDF report of an accessibility study or a scenario, in Japanese (or English), for a council paper.

matplotlib's PDF backend with the IPAex Gothic font that the `japanize-matplotlib` package ships (found by
path, registered once; the package is never imported, so nobody's rcParams change). Pages: the study's
terms and its figures as tables, then one map per destination category. Cells are drawn as their outlines
(JIS X 0410 mesh cells or hexagons; squares where a cell has none): coloured by the minutes to the nearest
destination, grey where residents live but nothing is reached within the travel limit, white with hatching
where nobody lives; route lines in their colours (dashed where a scenario removes them), stops and stations
with their names, destinations as stars with theirs. A scenario's map page holds before, after and the
difference (gaining green, losing red). Street and river context comes with the OSM streets work: the
maps take their layers from `context_layers`, empty until then.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
import importlib.util
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

A4_IN = (8.27, 11.69)
MAX_STOP_LABELS = 60
_FONT: list[str] = []
# Street, river and place layers a map may carry (the OSM streets issue adds them): each draws on an axis
# given the map's (west, south, east, north).
context_layers: list[Callable[[Any, tuple[float, float, float, float]], None]] = []

_WORDS = {
    "ja": {"access_title": "到達圏分析", "scenario_title": "シナリオ比較", "date": "対象日", "leaving": "出発",
           "walk": "徒歩", "cells": "区画", "residents": "住民", "old": "うち65歳以上", "minutes": "分",
           "share": "T分以内に行ける住民の割合", "category": "施設", "within": "T（分）", "all": "住民",
           "aged": "65歳以上", "map": "最寄りの{c}までの所要時間（p{p}）", "no_residents": "住民なし",
           "not_reached": "到達できない", "before": "変更前", "after": "変更後", "difference": "差（分、+は遅くなる）",
           "gained": "{t}分以内に行けるようになる", "lost": "{t}分以内に行けなくなる", "access": "行ける住民の増減",
           "head_access": "施設|T（分）|増える区画|減る区画|増える住民|うち乗れる|減る住民|増える65歳以上|減る65歳以上",
           "money": "費用と収入（円）", "head_money": "項目|変更前|変更後", "cost": "運行費", "revenue": "運賃収入",
           "subsidy": "補助", "passengers": "利用者", "per_passenger": "利用者1人あたり補助",
           "vans": "デマンド交通（シミュレーション）",
           "head_vans": "区域|台数×座席|時間|希望した人|乗れた人|乗れなかった人|最大乗車|車両ごと",
           "edits": "変更内容", "source": "出典: 山吹町 MaaS 分析 {id}", "stops": "停留所・駅",
           "removed": "（廃止）"},
    "en": {"access_title": "Accessibility analysis", "scenario_title": "Scenario comparison", "date": "date",
           "leaving": "leaving", "walk": "walking", "cells": "cells", "residents": "residents", "old": "aged 65+",
           "minutes": "min", "share": "Residents reaching each category within T", "category": "category",
           "within": "T (min)", "all": "residents", "aged": "65+", "map": "Travel time to the nearest {c} (p{p})",
           "no_residents": "no residents", "not_reached": "not reached", "before": "before", "after": "after",
           "difference": "difference (min, + slower)", "gained": "gains access within {t} min",
           "lost": "loses access within {t} min", "access": "Who gains or loses access",
           "head_access": "category|T (min)|cells gaining|cells losing|residents gaining|of whom the vans take|"
                          "residents losing|65+ gaining|65+ losing",
           "money": "Cost and revenue (yen)", "head_money": "item|before|after", "cost": "operating cost",
           "revenue": "revenue", "subsidy": "subsidy", "passengers": "passengers",
           "per_passenger": "subsidy per passenger", "vans": "On-demand zones (simulated)",
           "head_vans": "zone|vans × seats|hours|riders asking|taken|not taken|most aboard|per van",
           "edits": "Edits", "source": "Source: MaaS analysis {id}", "stops": "stops and stations",
           "removed": " (removed)"},
}
_CATEGORIES_JA = {"hospital": "病院", "clinic": "診療所", "station": "駅", "supermarket": "スーパー",
                  "city_hall": "役場", "post_office": "郵便局", "pharmacy": "薬局", "community_centre": "公民館"}


def japanese_font() -> str:
    """The IPAex Gothic family, registered with matplotlib from the japanize-matplotlib package's file."""
    if not _FONT:
        spec = importlib.util.find_spec("japanize_matplotlib")  # located, not imported: it sets rcParams
        if spec is None or spec.origin is None:
            raise RuntimeError("the japanize-matplotlib package (its IPAex font) is not installed")
        path = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
        font_manager.fontManager.addfont(str(path))
        _FONT.append(font_manager.FontProperties(fname=str(path)).get_name())
    return _FONT[0]


def report_pdf(kind: str, analysis_id: str, parameters: dict[str, Any], summary: dict[str, Any],
               cells: list[dict[str, Any]], language: str = "ja") -> bytes:
    """The report as PDF bytes; kind "scenario" or "accessibility"."""
    words = _WORDS.get(language, _WORDS["ja"])
    buffer = io.BytesIO()
    with matplotlib.rc_context({"font.family": japanese_font(), "pdf.fonttype": 42}), \
            PdfPages(buffer, metadata={"Title": f"{analysis_id}", "Creator": "maas"}) as pdf:
        pages = [_cover(kind, analysis_id, parameters, summary, words, language)]
        for category in summary.get("destinations", {}):
            pages.append(_map_page(kind, summary, cells, category, words, language))
        for page in pages:
            pdf.savefig(page)
    return buffer.getvalue()


def _name(category: str, language: str) -> str:
    return _CATEGORIES_JA.get(category, category) if language == "ja" else category


def _cover(kind: str, analysis_id: str, p: dict[str, Any], summary: dict[str, Any], w: dict[str, str],
           language: str) -> Figure:
    figure = Figure(figsize=A4_IN)
    title = w["scenario_title"] if kind == "scenario" else w["access_title"]
    figure.text(0.07, 0.95, title, fontsize=20)
    terms = (f"{w['date']} {p.get('date')}  {w['leaving']} {p.get('start')} + {p.get('window_min')} {w['minutes']}  "
             f"{w['walk']} {p.get('walk_speed_mps')} m/s, {p.get('max_walk_m')} m\n"
             f"{summary.get('origins')} {w['cells']}, {w['residents']} {summary.get('total_population', 0):g} "
             f"({w['old']} {summary.get('total_population_65_plus', 0):g})")
    figure.text(0.07, 0.90, terms, fontsize=10, va="top")
    y = 0.84
    if kind == "scenario":
        edits = "\n".join(f"・{e}" for e in summary.get("edit_descriptions", []))
        if edits:
            figure.text(0.07, y, f"{w['edits']}\n{edits}", fontsize=9, va="top")
            y -= 0.03 * (1 + edits.count("\n") + 1)
        rows = [[_name(a["category"], language), a["minutes"], a["cells_gained"], a["cells_lost"],
                 f"{a['residents_gained']:g}", _num(a.get("residents_gained_served")), f"{a['residents_lost']:g}",
                 f"{a['residents_65_plus_gained']:g}", f"{a['residents_65_plus_lost']:g}"]
                for a in summary.get("access", [])]
        y = _table(figure, y, w["access"], w["head_access"], rows)
        money = summary.get("economics")
        if money:
            rows = [[w["cost"], money["cost_before_yen"], money["cost_after_yen"]],
                    [w["revenue"], money.get("revenue_before_yen"), money.get("revenue_after_yen")],
                    [w["subsidy"], money["subsidy_before_yen"], money["subsidy_after_yen"]],
                    [w["passengers"], money.get("passengers_before"), money.get("passengers_after")],
                    [w["per_passenger"], money.get("subsidy_per_passenger_before_yen"),
                     money.get("subsidy_per_passenger_after_yen")]]
            y = _table(figure, y, w["money"], w["head_money"], [[_num(v) for v in r] for r in rows])
        vans = [[z.get("name", ""), f"{z['vehicles']}×{z['seats']}", f"{z['start']}–{z['end']}",
                 z.get("riders_requested"), z["riders_served"], z.get("riders_not_served"), z.get("max_onboard"),
                 "/".join(str(n) for n in z.get("riders_per_vehicle", []))] for z in summary.get("on_demand", [])]
        if vans:
            y = _table(figure, y, w["vans"], w["head_vans"], [[_num(v) for v in r] for r in vans])
    else:
        rows = [[_name(c["category"], language), x["minutes"], _percent(x["share_population"]),
                 _percent(x["share_population_65_plus"])]
                for c in summary.get("categories", []) for x in c["within"]]
        y = _table(figure, y, w["share"], f"{w['category']}|{w['within']}|{w['all']}|{w['aged']}", rows)
    figure.text(0.07, 0.03, w["source"].format(id=analysis_id), fontsize=8, color="grey")
    return figure


def _table(figure: Figure, top: float, title: str, head: str, rows: Sequence[Sequence[Any]]) -> float:
    """A titled table from `top` down; returns where the next block may start."""
    figure.text(0.07, top, title, fontsize=12, va="top")
    height = 0.022 * (len(rows) + 1)
    ax = figure.add_axes((0.07, top - 0.02 - height, 0.86, height))
    ax.axis("off")
    table = ax.table(cellText=[[str(v) for v in r] for r in rows] or [["—"] * len(head.split("|"))],
                     colLabels=head.split("|"), loc="upper center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    return top - 0.05 - height


def _map_page(kind: str, summary: dict[str, Any], cells: list[dict[str, Any]], category: str, w: dict[str, str],
              language: str) -> Figure:
    percentile = (summary.get("percentiles") or [50])[0]
    limit = max(summary.get("thresholds_min") or [60])
    figure = Figure(figsize=A4_IN)
    figure.subplots_adjust(left=0.09, right=0.97, top=0.96, bottom=0.04, hspace=0.22)
    name = _name(category, language)
    before = [c["times_s"][category][0] for c in cells]
    if kind != "scenario":
        ax = figure.add_subplot(1, 1, 1)
        _time_map(figure, ax, cells, before, limit, w)
        _finish(ax, summary, category, w["map"].format(c=name, p=percentile), w)
        return figure
    after = [c["times_after_s"][category][0] for c in cells]
    axes = figure.subplots(3, 1)
    _time_map(figure, axes[0], cells, before, limit, w)
    _finish(axes[0], summary, category, f"{w['map'].format(c=name, p=percentile)}: {w['before']}", w)
    _time_map(figure, axes[1], cells, after, limit, w)
    _finish(axes[1], summary, category, f"{w['map'].format(c=name, p=percentile)}: {w['after']}", w)
    _difference_map(figure, axes[2], cells, before, after, limit, w)
    _finish(axes[2], summary, category, f"{name}: {w['difference']}", w)
    return figure


def _outline(cell: dict[str, Any], half: tuple[float, float]) -> list[tuple[float, float]]:
    ring = cell.get("ring")
    if ring:
        return [(float(x), float(y)) for x, y in ring]
    x, y = cell["lon"], cell["lat"]
    return [(x - half[0], y - half[1]), (x + half[0], y - half[1]), (x + half[0], y + half[1]),
            (x - half[0], y + half[1])]


def _layers(figure: Figure, ax: Any, cells: list[dict[str, Any]], values: list[float | None], norm: Normalize,
            cmap: str, colorbar: str, w: dict[str, str]) -> None:
    half = (1 / 320, 1 / 480)  # a quarter-mesh-sized square where a cell has no outline
    empty = [i for i, c in enumerate(cells) if not c["population"]]
    lived = [i for i in range(len(cells)) if cells[i]["population"]]
    reached = [i for i in lived if values[i] is not None]
    missing = [i for i in lived if values[i] is None]
    ax.add_collection(PolyCollection([_outline(cells[i], half) for i in empty], facecolors="white",
                                     edgecolors="#bbbbbb", hatch="///", linewidths=0.3))
    ax.add_collection(PolyCollection([_outline(cells[i], half) for i in missing], facecolors="#9e9e9e",
                                     edgecolors="white", linewidths=0.3))
    coloured = PolyCollection([_outline(cells[i], half) for i in reached], array=[values[i] for i in reached],
                              cmap=cmap, norm=norm, edgecolors="white", linewidths=0.3)
    ax.add_collection(coloured)
    figure.colorbar(coloured, ax=ax, shrink=0.8, label=colorbar)
    ax.autoscale_view()
    ax.legend(handles=[Patch(facecolor="white", edgecolor="#888888", hatch="///", label=w["no_residents"]),
                       Patch(facecolor="#9e9e9e", label=w["not_reached"])], loc="lower left", fontsize=7)


def _time_map(figure: Figure, ax: Any, cells: list[dict[str, Any]], seconds: list[float | None], limit: int,
              w: dict[str, str]) -> None:
    minutes = [None if s is None else min(s / 60, limit) for s in seconds]
    _layers(figure, ax, cells, minutes, Normalize(0, limit), "viridis_r", f"{w['minutes']} (max {limit})", w)


def _difference_map(figure: Figure, ax: Any, cells: list[dict[str, Any]], before: list[float | None],
                    after: list[float | None], limit: int, w: dict[str, str]) -> None:
    change: list[float | None] = [None if b is None or a is None else (a - b) / 60 for b, a in zip(before, after)]
    for i, (b, a) in enumerate(zip(before, after)):  # reached only on one side: the largest change shown
        if (b is None) != (a is None):
            change[i] = -30.0 if b is None else 30.0
    _layers(figure, ax, cells, change, Normalize(-30, 30), "coolwarm", w["difference"], w)
    half = (1 / 320, 1 / 480)
    for colour, key, test in (("green", "gained", lambda b, a: a is not None and a <= limit * 60 < (b or 1e12)),
                              ("red", "lost", lambda b, a: b is not None and b <= limit * 60 < (a or 1e12))):
        marked = [i for i in range(len(cells)) if cells[i]["population"] and test(before[i], after[i])]
        if marked:
            ax.add_collection(PolyCollection([_outline(cells[i], half) for i in marked], facecolors="none",
                                             edgecolors=colour, linewidths=1.6, label=w[key].format(t=limit)))
    handles, _ = ax.get_legend_handles_labels()
    old = ax.get_legend()
    ax.legend(handles=[*old.legend_handles, *handles] if old else handles, loc="lower left", fontsize=7)


def _finish(ax: Any, summary: dict[str, Any], category: str, title: str, w: dict[str, str]) -> None:
    places = [d for d in summary.get("destination_points", []) if d["category"] == category]
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    if places:  # the destinations stay on the map, a little inside its edge
        pad_x, pad_y = 0.05 * (east - west), 0.05 * (north - south)
        west, east = min(west, *(d["lon"] - pad_x for d in places)), max(east, *(d["lon"] + pad_x for d in places))
        south, north = min(south, *(d["lat"] - pad_y for d in places)), max(north, *(d["lat"] + pad_y for d in places))
    for layer in context_layers:
        layer(ax, (west, south, east, north))
    _network(ax, summary, w)
    for d in places:
        ax.plot(d["lon"], d["lat"], marker="*", color="red", markersize=13, markeredgecolor="black", zorder=6)
        ax.annotate(d.get("name") or d["id"], (d["lon"], d["lat"]), xytext=(5, 5), textcoords="offset points",
                    fontsize=8, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8}, zorder=7)
    ax.set_xlim(west, east)  # lines running beyond the cells do not widen the map
    ax.set_ylim(south, north)
    ax.set_title(title, fontsize=11)
    ax.set_aspect(1.25)
    ax.ticklabel_format(useOffset=False)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))


def _network(ax: Any, summary: dict[str, Any], w: dict[str, str]) -> None:
    """Route lines in their colours (dashed where the scenario removes the route) and stops with their names."""
    network = summary.get("network") or {}
    removed = {r["route_id"] for r in summary.get("routes", []) if r.get("after") is None and r.get("before")}
    added: list[Any] = []
    for route in network.get("routes", []):
        xs = [p[0] for p in route["coordinates"]]
        ys = [p[1] for p in route["coordinates"]]
        gone = route["route_id"] in removed
        added += ax.plot(xs, ys, color=route["color"], linewidth=2.2, linestyle="--" if gone else "-", alpha=0.9,
                         zorder=3, label=f"{route['name']}{w['removed'] if gone else ''}")
    stops = network.get("stops", [])
    if stops:
        added.append(ax.scatter([s["lon"] for s in stops], [s["lat"] for s in stops], s=14, c="white",
                                edgecolors="black", linewidths=0.8, zorder=4, label=w["stops"]))
        for stop in stops[:MAX_STOP_LABELS]:
            ax.annotate(stop["name"], (stop["lon"], stop["lat"]), xytext=(3, -8), textcoords="offset points",
                        fontsize=5.5, color="#333333", zorder=5, clip_on=True)
    old = ax.get_legend()
    ax.legend(handles=[*(old.legend_handles if old else []), *added], loc="lower left", fontsize=6)


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"
