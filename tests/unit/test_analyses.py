"""Analyses as background jobs with a fake engine: progress, failure, crash recovery, roles, bad
parameters, one at a time; and the accessibility measures on a matrix small enough to add up by hand."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import math
import threading
import time

import pytest

from maas.domain.accounts import Principal, Role
from maas.domain.analyses import (AccessibilityParams, Analysis, AnalysisKind, AnalysisState, Destination,
                                  OriginPoint)
from maas.domain.errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from maas.domain.places import Place, PlaceCategory
from maas.services import accessibility, analyses
from maas.services.analyses import AnalysisService
from tests.fakes import InMemoryUnitOfWorkFactory, SteppedClock

INF = math.inf
ANALYST = Principal(subject_id="acc_analyst", role=Role.ANALYST)
RIDER = Principal(subject_id="acc_rider", role=Role.RIDER)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
CELLS = [OriginPoint("a", 36.41, 138.91, 100, 40), OriginPoint("b", 36.42, 138.88, 50, 30),
         OriginPoint("c", 36.43, 138.86, 10, 10), OriginPoint("empty", 36.44, 138.85, 0, 0)]
PLACES = [Place(id="h1", region_id="r", name="病院", category=PlaceCategory.HOSPITAL, lat=36.41, lon=138.91),
          Place(id="h2", region_id="r", name="診療所", category=PlaceCategory.HOSPITAL, lat=36.42, lon=138.89),
          Place(id="s1", region_id="r", name="スーパー", category=PlaceCategory.SUPERMARKET, lat=36.40, lon=138.90)]
# Destinations come ordered by category, then id: h1, h2, s1. Seconds, [percentile][cell][destination].
MATRIX = [[[300, 2000, 900], [1700, 3000, INF], [INF, 4000, INF], [INF, INF, INF]]]
PARAMS = {"date": "2026-11-24", "start": "08:00", "window_min": 60, "thresholds_min": [15, 30, 60],
          "destinations": {"type": "places", "categories": ["hospital", "supermarket"]}}


class Store:
    """The shared in-memory unit of work holding PLACES, with the views these tests read."""

    def __init__(self) -> None:
        self.uow = InMemoryUnitOfWorkFactory()
        self.uow.store.table("places").update({p.id: p for p in PLACES})

    @property
    def rows(self) -> dict[str, Analysis]:
        return {analysis_id: row[0] for analysis_id, row in self.uow.store.table("analyses").items()}

    @property
    def history(self) -> list[tuple[str, float]]:
        """(state, progress) of each analysis as committed, in order."""
        return [(row[0].state.value, row[0].progress) for table, _, row in self.uow.store.log if table == "analyses"]

    async def add(self, analysis: Analysis) -> None:
        async with self.uow() as uow:
            await uow.analyses.add(analysis)
            await uow.commit()


class FakeEngine:
    name = "fake"

    def __init__(self, matrix=MATRIX, *, fail: Exception | None = None, pause_s: float = 0.0) -> None:
        self.matrix, self.fail, self.pause_s = matrix, fail, pause_s
        self.running = 0
        self.most_at_once = 0
        self.requests = []
        self._lock = threading.Lock()

    def origins(self, spec):
        return CELLS

    def travel_times(self, request, progress):
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.requests.append(request)
            for step in range(4):
                progress(step / 4, f"step {step}")
                time.sleep(self.pause_s)
            if self.fail is not None:
                raise self.fail
            return self.matrix
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture(autouse=True)
def fast_progress(monkeypatch):
    monkeypatch.setattr(analyses, "PROGRESS_EVERY_S", 0.01)


def service(engine: FakeEngine, store: Store | None = None, **kw) -> tuple[AnalysisService, Store]:
    store = store or Store()
    return AnalysisService(store.uow, SteppedClock(NOW), accessibility_engine=engine, **kw), store


async def test_an_analysis_runs_in_the_background_reporting_progress_and_ends_done() -> None:
    engine = FakeEngine(pause_s=0.05)
    svc, store = service(engine)
    started = await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, PARAMS)
    assert started.state is AnalysisState.QUEUED and started.created_by == "acc_analyst"
    await svc.wait_idle()
    done = await svc.get(ANALYST, started.id)
    assert done.state is AnalysisState.DONE and done.progress == 1.0 and done.error is None
    running = [p for state, p in store.history if state == "running"]
    assert len(running) >= 3 and any(0 < p < 1 for p in running)  # progress written while it ran
    assert running == sorted(running)
    request = engine.requests[0]
    assert [d.id for d in request.destinations] == ["h1", "h2", "s1"] and request.start == dt.time(8, 0)
    assert done.summary is not None and done.summary["engine"] == "fake"
    assert [a.id for a in await svc.list_analyses(ANALYST)] == [started.id]


async def test_a_failing_engine_leaves_the_analysis_failed_with_its_error() -> None:
    svc, _ = service(FakeEngine(fail=RuntimeError("the timetable is corrupt")))
    started = await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, PARAMS)
    await svc.wait_idle()
    failed = await svc.get(ANALYST, started.id)
    assert failed.state is AnalysisState.FAILED and failed.summary is None
    assert "the timetable is corrupt" in (failed.error or "") and failed.finished_at == NOW
    with pytest.raises(Conflict):
        await svc.cells_csv(ANALYST, started.id)


async def test_recovery_fails_interrupted_analyses_and_runs_queued_ones_again() -> None:
    store = Store()
    params = AccessibilityParams.model_validate(PARAMS).model_dump(mode="json")
    for analysis_id, state in (("ana_ran", AnalysisState.RUNNING), ("ana_waited", AnalysisState.QUEUED),
                               ("ana_old", AnalysisState.DONE)):
        await store.add(Analysis(id=analysis_id, kind=AnalysisKind.ACCESSIBILITY, parameters=params,
                                 state=state, created_by="x", created_at=NOW, progress=0.4))
    svc, _ = service(FakeEngine(), store)
    assert await svc.recover() == (1, 1)
    await svc.wait_idle()
    assert store.rows["ana_ran"].state is AnalysisState.FAILED and "interrupted" in store.rows["ana_ran"].error
    assert store.rows["ana_waited"].state is AnalysisState.DONE
    assert store.rows["ana_old"].state is AnalysisState.DONE and store.rows["ana_old"].progress == 0.4  # untouched


async def test_stopping_the_service_marks_a_running_analysis_interrupted() -> None:
    svc, store = service(FakeEngine(pause_s=0.2))
    started = await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, PARAMS)
    await asyncio.sleep(0.1)
    await svc.aclose()
    stopped = store.rows[started.id]
    assert stopped.state is AnalysisState.FAILED and "interrupted" in (stopped.error or "")


async def test_at_most_max_running_analyses_compute_at_once() -> None:
    engine = FakeEngine(pause_s=0.02)
    svc, store = service(engine, max_running=1)
    ids = [(await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, PARAMS)).id for _ in range(3)]
    await svc.wait_idle()
    assert engine.most_at_once == 1 and all(store.rows[i].state is AnalysisState.DONE for i in ids)


async def test_only_analysts_and_admins_and_bad_parameters_are_refused() -> None:
    svc, store = service(FakeEngine())
    with pytest.raises(PermissionDenied):
        await svc.start(RIDER, AnalysisKind.ACCESSIBILITY, PARAMS)
    with pytest.raises(PermissionDenied):
        await svc.list_analyses(RIDER)
    with pytest.raises(InvalidRequest) as bad:
        await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, {**PARAMS, "window_min": -5, "percentiles": [150]})
    assert set(bad.value.fields) == {"parameters.window_min", "parameters.percentiles"}
    with pytest.raises(InvalidRequest) as unknown:
        await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY,
                        {**PARAMS, "destinations": {"type": "places", "categories": ["zoo"]}})
    assert "zoo" in unknown.value.message
    with pytest.raises(InvalidRequest):  # thresholds beyond the longest trip routed
        await svc.start(ANALYST, AnalysisKind.ACCESSIBILITY, {**PARAMS, "thresholds_min": [200]})
    with pytest.raises(NotFound):
        await svc.get(ANALYST, "ana_missing")
    assert store.rows == {}


def test_measures_add_up_by_hand() -> None:
    params = AccessibilityParams.model_validate(PARAMS)
    dests = [Destination(p.id, p.lat, p.lon, p.category.value, p.name) for p in PLACES]
    summary, cells = accessibility.compute(params, CELLS, dests, MATRIX, engine="fake")
    assert summary["total_population"] == 160 and summary["total_population_65_plus"] == 80
    hospital, supermarket = summary["categories"]
    assert (hospital["category"], hospital["percentile"], hospital["destinations"]) == ("hospital", 50, 2)
    # Nearest hospital: a 300 s, b 1700 s, c 4000 s, empty never.
    by_t = {w["minutes"]: w for w in hospital["within"]}
    assert by_t[15]["share_population"] == pytest.approx(100 / 160)
    assert by_t[15]["share_population_65_plus"] == pytest.approx(40 / 80)
    assert by_t[30]["share_population"] == pytest.approx(150 / 160)
    assert by_t[60]["share_population"] == pytest.approx(150 / 160)  # c needs 66.7 min
    assert (by_t[60]["gap_cells"], by_t[60]["gap_population"], by_t[60]["gap_population_65_plus"]) == (1, 10, 10)
    # Hospitals within 60 min: a and b reach both (300/2000 s, 1700/3000 s), c none: (100*2 + 50*2) / 160;
    # within 30 min a reaches one and b one.
    assert by_t[60]["mean_opportunities"] == pytest.approx(300 / 160, abs=1e-4)
    assert by_t[30]["mean_opportunities"] == pytest.approx(150 / 160, abs=1e-4)
    assert hospital["mean_time_s"] == pytest.approx((100 * 300 + 50 * 1700 + 10 * 4000) / 160, abs=0.1)
    assert hospital["mean_time_65_plus_s"] == pytest.approx((40 * 300 + 30 * 1700 + 10 * 4000) / 80, abs=0.1)
    assert hospital["worst_time_s"] == 4000  # the empty cell has nobody to count
    assert hospital["unreachable_population"] == 0 and hospital["gap_cell_ids"] == ["c"]
    assert supermarket["unreachable_cells"] == 2 and supermarket["worst_time_s"] is None
    assert supermarket["unreachable_population_65_plus"] == 40
    assert cells[1]["times_s"] == {"hospital": [1700], "supermarket": [None]}
    assert cells[0]["opportunities"]["hospital"] == [[1, 1, 2]]

    rows = list(csv.DictReader(io.StringIO(accessibility.cells_csv(summary, cells))))
    assert rows[0]["cell_id"] == "a" and rows[0]["hospital_p50_min"] == "5.00" and rows[0]["hospital_p50_n60"] == "2"
    assert rows[1]["supermarket_p50_min"] == "" and rows[3]["population"] == "0"
    geo = accessibility.cells_geojson(summary, cells)
    assert geo["features"][2]["geometry"]["coordinates"] == [138.86, 36.43]
    assert geo["features"][2]["properties"]["hospital_p50_min"] == pytest.approx(66.67)
    assert geo["features"][3]["properties"]["hospital_p50_min"] is None
