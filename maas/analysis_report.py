"""The ReportRenderer port drawn with matplotlib (Agg, no display): a map of an accessibility
analysis' cells coloured by travel time, a chart of the shares reaching each category within T,
and a self-contained HTML page embedding both as data URIs."""

from __future__ import annotations

import base64
import html
import io
import threading
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: never a display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from maas import pdf_report, scenario_report  # noqa: E402
from maas.domain.analyses import Analysis, AnalysisKind  # noqa: E402
from maas.domain.errors import InvalidRequest  # noqa: E402
from maas.report_layers import marker_size, travel_time_layer  # noqa: E402

_LOCK = threading.Lock()  # matplotlib's state is not thread-safe
MAX_MAPS = 4


class MatplotlibReportRenderer:
    def map_png(self, analysis: Analysis, cells: list[dict[str, Any]]) -> bytes:
        with _LOCK:
            if analysis.kind is AnalysisKind.SCENARIO:
                return _png(scenario_report.scenario_map(analysis.summary or {}, cells))
            if analysis.kind is AnalysisKind.ROUTE_PERFORMANCE:
                return _png(scenario_report.routes_chart(analysis.summary or {}))
            return _png(_map(analysis.summary or {}, cells))

    def chart_png(self, analysis: Analysis) -> bytes:
        with _LOCK:
            return _png(_chart(analysis.summary or {}))

    def report_pdf(self, analysis: Analysis, cells: list[dict[str, Any]], language: str = "ja") -> bytes:
        if analysis.kind is AnalysisKind.ROUTE_PERFORMANCE:
            raise InvalidRequest("route performance has no PDF report yet; use the HTML report and cells.csv",
                                 fields={"Accept": "application/pdf is for accessibility and scenario analyses"})
        summary = dict(analysis.summary or {})
        summary["edit_descriptions"] = [scenario_report.describe_edit(e) for e in summary.get("edits", [])]
        with _LOCK:
            return pdf_report.report_pdf(analysis.kind.value, analysis.id, analysis.parameters, summary, cells,
                                         language)

    def report_html(self, analysis: Analysis, cells: list[dict[str, Any]], language: str = "en") -> str:
        """The page in `language` ("ja" or "en"); scenario and route pages are in English only."""
        summary = analysis.summary or {}
        if analysis.kind is AnalysisKind.SCENARIO:
            with _LOCK:
                uri = _data_uri(_png(scenario_report.scenario_map(summary, cells)))
            return scenario_report.scenario_page(analysis, summary, uri)
        if analysis.kind is AnalysisKind.ROUTE_PERFORMANCE:
            with _LOCK:
                uri = _data_uri(_png(scenario_report.routes_chart(summary)))
            return scenario_report.routes_page(analysis, summary, uri)
        with _LOCK:
            map_uri = _data_uri(_png(_map(summary, cells)))
            chart_uri = _data_uri(_png(_chart(summary)))
        return _page(analysis, summary, map_uri, chart_uri, language)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
    return buffer.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _map(summary: dict[str, Any], cells: list[dict[str, Any]]) -> Figure:
    categories = list(summary.get("destinations", {}))[:MAX_MAPS] or [""]
    percentile = (summary.get("percentiles") or [50])[0]
    limit = max(summary.get("thresholds_min") or [60])
    figure, axes = plt.subplots(1, len(categories), figsize=(5.6 * len(categories), 5), squeeze=False,
                                layout="constrained")
    size = marker_size(len(cells))
    lon = [c["lon"] for c in cells]
    lat = [c["lat"] for c in cells]
    for ax, category in zip(axes[0], categories):
        seconds = [None if not category else c["times_s"][category][0] for c in cells]
        travel_time_layer(figure, ax, lon, lat, seconds, limit_min=limit, percentile=percentile, size=size,
                          population=[c["population"] for c in cells])
        places = [d for d in summary.get("destination_points", []) if d["category"] == category]
        if places:
            ax.scatter([d["lon"] for d in places], [d["lat"] for d in places], c="red", marker="*", s=160,
                       edgecolors="black", label=category)
        ax.set_title(f"{category or 'cells'}: travel time to the nearest")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_aspect(1.25)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower left", fontsize="small")
    return figure


def _chart(summary: dict[str, Any]) -> Figure:
    figure, ax = plt.subplots(figsize=(6.4, 4))
    first = (summary.get("percentiles") or [50])[0]
    for entry in summary.get("categories", []):
        if entry["percentile"] != first:
            continue
        minutes = [w["minutes"] for w in entry["within"]]
        ax.plot(minutes, [100 * (w["share_population"] or 0) for w in entry["within"]], marker="o",
                label=f"{entry['category']}: everyone")
        ax.plot(minutes, [100 * (w["share_population_65_plus"] or 0) for w in entry["within"]], marker="s",
                linestyle="--", label=f"{entry['category']}: 65+")
    ax.set_xlabel("minutes")
    ax.set_ylabel("% of residents reaching it")
    ax.set_ylim(0, 100)
    ax.set_title(f"Residents reaching each category within T (p{first})")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return figure


def _modes(summary: dict[str, Any]) -> str:
    """walk, transit and each ride mode with what it assumed (wait, speed, hours)."""
    rides = [f"{r['mode']} ({r['zone'] or r['operator_id'] or 'anywhere'}: {r['wait_min']:g} min wait, "
             f"{r['speed_kmh']:g} km/h" + (f", {' '.join(r['hours']) or 'not running'}" if r['hours'] is not None
                                          else "") + ")" for r in summary.get("ride_modes", [])]
    return ", ".join(["walk", "transit", *rides])


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"


# The page's words; the chart and the map (images) keep English labels.
_WORDS: dict[str, dict[str, str]] = {
    "en": {"title": "Accessibility analysis {id}",
           "intro": "{date}, leaving between {start} and {window} minutes later (every {step} min); walking at most "
                    "{walk_m} m at {speed} m/s; engine {engine}; modes {modes}; {cells} cells, {people} residents of "
                    "whom {old} aged 65+.",
           "within": "Residents reaching each category within T minutes",
           "within_head": "category|percentile|T (min)|residents|65+|mean destinations within T|cells without access|"
                          "residents without access",
           "times": "Travel times to the nearest (minutes, weighted by residents)",
           "times_head": "category|percentile|mean|mean 65+|worst|residents never reaching it",
           "map": "Map", "map_alt": "map of cells coloured by travel time", "chart": "Chart",
           "chart_alt": "share of residents reaching each category within T"},
    "ja": {"title": "到達圏分析 {id}",
           "intro": "{date}、{start}から{window}分の間に出発（{step}分ごと）。徒歩は最大{walk_m} m（秒速{speed} m）。"
                    "エンジン {engine}、交通手段 {modes}。{cells}区画、住民{people}人（うち65歳以上{old}人）。",
           "within": "T分以内に各施設へ行ける住民",
           "within_head": "施設|パーセンタイル|T（分）|住民|65歳以上|T分以内の施設数（平均）|行けない区画|行けない住民",
           "times": "最寄りまでの所要時間（分、住民数で重み付け）",
           "times_head": "施設|パーセンタイル|平均|平均（65歳以上）|最長|行けない住民",
           "map": "地図", "map_alt": "所要時間で色分けした区画の地図", "chart": "グラフ",
           "chart_alt": "T分以内に各施設へ行ける住民の割合"},
}
_CATEGORIES_JA = {"hospital": "病院", "clinic": "診療所", "station": "駅", "supermarket": "スーパー",
                  "city_hall": "役場", "post_office": "郵便局", "pharmacy": "薬局", "community_centre": "公民館"}


def _head(labels: str) -> str:
    return "<tr>" + "".join(f"<th>{html.escape(label)}</th>" for label in labels.split("|")) + "</tr>"


def _page(analysis: Analysis, summary: dict[str, Any], map_uri: str, chart_uri: str, language: str = "en") -> str:
    e = html.escape
    p = analysis.parameters
    words = _WORDS.get(language, _WORDS["en"])
    language = language if language in _WORDS else "en"

    def category(code: str) -> str:
        return e(_CATEGORIES_JA.get(code, code) if language == "ja" else code)

    rows = []
    for entry in summary.get("categories", []):
        for w in entry["within"]:
            rows.append(
                f"<tr><td>{category(entry['category'])}</td><td>p{entry['percentile']}</td><td>{w['minutes']}</td>"
                f"<td>{_percent(w['share_population'])}</td><td>{_percent(w['share_population_65_plus'])}</td>"
                f"<td>{w['mean_opportunities'] if w['mean_opportunities'] is not None else '—'}</td>"
                f"<td>{w['gap_cells']}</td><td>{w['gap_population']:g}</td></tr>")
    times = "".join(
        f"<tr><td>{category(x['category'])}</td><td>p{x['percentile']}</td><td>{_minutes(x['mean_time_s'])}</td>"
        f"<td>{_minutes(x['mean_time_65_plus_s'])}</td><td>{_minutes(x['worst_time_s'])}</td>"
        f"<td>{x['unreachable_population']:g}</td></tr>" for x in summary.get("categories", []))
    title = e(words["title"].format(id=analysis.id))
    intro = words["intro"].format(
        date=e(str(p.get('date'))), start=e(str(p.get('start'))), window=p.get('window_min'), step=p.get('step_min'),
        walk_m=p.get('max_walk_m'), speed=p.get('walk_speed_mps'), engine=e(str(summary.get('engine'))),
        modes=e(_modes(summary)), cells=summary.get('origins'), people=f"{summary.get('total_population', 0):g}",
        old=f"{summary.get('total_population_65_plus', 0):g}")
    return f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:right}}th{{background:#f3f3f3}}</style></head>
<body><h1>{title}</h1>
<p>{intro}</p>
<h2>{words["within"]}</h2>
<table>{_head(words["within_head"])}
{''.join(rows)}</table>
<h2>{words["times"]}</h2>
<table>{_head(words["times_head"])}{times}</table>
<h2>{words["map"]}</h2><img alt="{words["map_alt"]}" src="{map_uri}">
<h2>{words["chart"]}</h2><img alt="{words["chart_alt"]}" src="{chart_uri}">
</body></html>
"""
