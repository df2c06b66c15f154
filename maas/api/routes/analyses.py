"""Municipal analyses: start an accessibility analysis (computed in the background), follow it, and
download its per-cell results and report. For the town's analysts and admins only."""

from __future__ import annotations

import json
import re

from maas.api import language
from maas.api.analysis_schemas import AnalysisList, AnalysisOut, AnalysisStart, ListQuery
from maas.api.endpoints import Binary, Call, EndpointTable
from maas.domain.accounts import Principal, Role
from maas.domain.analyses import AnalysisKind

routes = EndpointTable()
ANALYSTS = (Role.ANALYST, Role.ADMIN)
TAGS = ("analyses",)
_PAGE_LANGUAGE = re.compile(r'<html lang="(\w+)"')


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("POST", "/v1/analyses", summary="Start an analysis", tags=TAGS, roles=ANALYSTS, body=AnalysisStart,
              response=AnalysisOut, status=202, errors=(403, 422), limit="expensive")
async def start_analysis(call: Call) -> Binary:
    """Stored as queued and computed in the background; poll `Location` (`GET /v1/analyses/{id}`) until it
    is done or failed. Destinations are the places of the given categories, or points you send; origins
    are the region's population field, one you send (CSV or GeoJSON text), or a generated grid. Kind
    `scenario` adds `edits` to the network (and a `cost_model`) and compares before and after; kind
    `route_performance` measures each route and the on-demand service over a date range."""
    body: AnalysisStart = call.body
    analysis = await call.container.analyses.start(_principal(call), AnalysisKind(body.kind),
                                                   body.parameters.model_dump(mode="json"))
    out = AnalysisOut.of(analysis)
    return Binary(out.model_dump_json().encode(), "application/json",
                  headers={"Location": f"/v1/analyses/{analysis.id}"})


@routes.route("GET", "/v1/analyses", summary="Analyses, newest first", tags=TAGS, roles=ANALYSTS, query=ListQuery,
              response=AnalysisList, errors=(403,))
async def list_analyses(call: Call) -> AnalysisList:
    q: ListQuery = call.query
    found = await call.container.analyses.list_analyses(_principal(call), limit=q.limit)
    return AnalysisList(items=[AnalysisOut.of(a) for a in found])


@routes.route("GET", "/v1/analyses/{analysis_id}", summary="An analysis: state, progress, results", tags=TAGS,
              roles=ANALYSTS, response=AnalysisOut, errors=(403, 404))
async def get_analysis(call: Call) -> AnalysisOut:
    return AnalysisOut.of(await call.container.analyses.get(_principal(call), call.path("analysis_id")))


@routes.route("GET", "/v1/analyses/{analysis_id}/cells.csv", summary="Per-cell travel times (CSV)", tags=TAGS,
              roles=ANALYSTS, errors=(403, 404, 409))
async def analysis_cells_csv(call: Call) -> Binary:
    """One row per cell: residents, minutes to the nearest destination of each category at each percentile
    (empty: not reached) and destinations within each T. 409 until the analysis is done."""
    analysis_id = call.path("analysis_id")
    text = await call.container.analyses.cells_csv(_principal(call), analysis_id)
    return Binary(text.encode("utf-8"), "text/csv",
                  headers={"Content-Disposition": f'attachment; filename="{analysis_id}-cells.csv"'})


@routes.route("GET", "/v1/analyses/{analysis_id}/figures.csv", summary="Every figure of the report (CSV)", tags=TAGS,
              roles=ANALYSTS, errors=(403, 404, 409))
async def analysis_figures_csv(call: Call) -> Binary:
    """The report's tables and charts as rows of section, item, measure and value (the per-cell values are in
    cells.csv). 409 until the analysis is done."""
    analysis_id = call.path("analysis_id")
    text = await call.container.analyses.figures_csv(_principal(call), analysis_id)
    return Binary(text.encode("utf-8"), "text/csv",
                  headers={"Content-Disposition": f'attachment; filename="{analysis_id}-figures.csv"'})


@routes.route("GET", "/v1/analyses/{analysis_id}/cells.geojson", summary="Per-cell travel times (GeoJSON)",
              tags=TAGS, roles=ANALYSTS, errors=(403, 404, 409))
async def analysis_cells_geojson(call: Call) -> Binary:
    document = await call.container.analyses.cells_geojson(_principal(call), call.path("analysis_id"))
    return Binary(json.dumps(document, ensure_ascii=False).encode("utf-8"), "application/geo+json")


@routes.route("GET", "/v1/analyses/{analysis_id}/report", summary="The analysis report (HTML with a map and a chart)",
              tags=TAGS, roles=ANALYSTS, errors=(403, 404, 409))
async def analysis_report(call: Call) -> Binary:
    """HTML by default; with `Accept: application/pdf` an A4 PDF for a council paper (accessibility and scenario
    analyses), in Japanese unless the request asks for English (`Accept-Language: en`)."""
    if "application/pdf" in call.request.headers.get("Accept", ""):
        language_asked = "en" if language.current() == "en" else "ja"
        document = await call.container.analyses.report_pdf(_principal(call), call.path("analysis_id"), language_asked)
        return Binary(document, "application/pdf", headers={
            "Content-Language": language_asked,
            "Content-Disposition": f'inline; filename="{call.path("analysis_id")}-report-{language_asked}.pdf"'})
    page = await call.container.analyses.report_html(_principal(call), call.path("analysis_id"), language.current())
    written = _PAGE_LANGUAGE.search(page)  # scenario and route pages exist in English only, and say so
    return Binary(page.encode("utf-8"), "text/html", headers={"Content-Language": written[1] if written else "en"})


@routes.route("GET", "/v1/analyses/{analysis_id}/map.png", summary="The map of cells coloured by travel time",
              tags=TAGS, roles=ANALYSTS, errors=(403, 404, 409))
async def analysis_map(call: Call) -> Binary:
    return Binary(await call.container.analyses.map_png(_principal(call), call.path("analysis_id")), "image/png")
