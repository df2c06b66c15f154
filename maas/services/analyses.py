"""Municipal analyses as background jobs: started by a request, computed off the event loop.

`start` stores an analysis QUEUED and schedules it on an asyncio task; at most `max_running`
compute at once, each in a worker thread, and the job writes its progress to the store as it
goes, then DONE with the results or FAILED with the error. `recover` (at service start) fails
the analyses a crash left RUNNING ("interrupted") and schedules those still QUEUED again. Each
`AnalysisKind` has a runner in `_runners`: scenario comparisons and route performance join as
further kinds with their own parameters model and runner.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from maas.domain.accounts import Principal, Role
from maas.domain.analyses import (FINISHED, AccessibilityEngine, AccessibilityParams, Analysis, AnalysisKind,
                                  AnalysisState, Destination, MatrixRequest, PlaceDestinations, Progress,
                                  ReportRenderer, RideArea, RideService)
from maas.domain.errors import Conflict, DomainError, InvalidRequest
from maas.domain.ids import new_id
from maas.domain.plausibility import EventWindow
from maas.domain.privacy import ConsentKind
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.scenarios import (RecordedTrip, ReplaceByOnDemandEdit, RoutePerformanceParams, RouteRiders,
                                   ScenarioEngine, ScenarioParams)
from maas.domain.ondemand import RideStore
from maas.services import accessibility, report_figures, route_performance, scenario_demand, scenarios

log = logging.getLogger(__name__)
ANALYSTS = (Role.ANALYST, Role.ADMIN)
PROGRESS_EVERY_S = 0.25
Outcome = tuple[dict[str, Any], list[dict[str, Any]]]


class Cancelled(Exception):
    """The service is stopping: the worker thread gives up at its next progress report."""


def validation_message(exc: ValidationError) -> tuple[str, dict[str, str]]:
    fields = {".".join(str(p) for p in ("parameters", *e["loc"])): e["msg"] for e in exc.errors(include_url=False)}
    return "the analysis parameters are invalid", fields


class AnalysisService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, accessibility_engine: AccessibilityEngine,
                 renderer: ReportRenderer | None = None, max_running: int = 1,
                 scenario_engine: ScenarioEngine | None = None, ride_store: RideStore | None = None,
                 ride_areas: Sequence[RideArea] = (), events: EventWindow | None = None,
                 min_riders: int = 5, timezone: str = "Asia/Tokyo") -> None:
        self._timezone = timezone  # of the service days
        self._uow, self._clock = uow, clock
        self._min_riders = min_riders  # k-anonymity: figures over fewer consenting riders are suppressed
        self._events = events  # recorded ride times outside it stay out of the figures
        self._ride_areas = list(ride_areas)  # on-demand services offering their zone for the "on_demand" mode
        self._engine = accessibility_engine
        self._scenarios = scenario_engine
        self._rides = ride_store
        self._renderer = renderer
        self._slots = asyncio.Semaphore(max_running)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = threading.Event()
        self._runners: dict[AnalysisKind, Callable[[Analysis, Progress], Awaitable[Outcome]]] = {
            AnalysisKind.ACCESSIBILITY: self._accessibility,
        }
        if scenario_engine is not None:
            self._runners[AnalysisKind.SCENARIO] = self._scenario
            self._runners[AnalysisKind.ROUTE_PERFORMANCE] = self._route_performance

    # -- use cases -----------------------------------------------------------------------------
    async def start(self, caller: Principal, kind: AnalysisKind, parameters: dict[str, Any]) -> Analysis:
        """Validate, store QUEUED and schedule; returns at once."""
        analysis = await self._create(caller, kind, parameters)
        self._schedule(analysis)
        return analysis

    async def run(self, caller: Principal, kind: AnalysisKind, parameters: dict[str, Any], *,
                  on_progress: Callable[[float, str], None] | None = None) -> Analysis:
        """Validate, store and compute now (the command line); the finished analysis."""
        analysis = await self._create(caller, kind, parameters)
        return await self._execute(analysis, on_progress)

    async def get(self, caller: Principal, analysis_id: str) -> Analysis:
        caller.require(*ANALYSTS)
        async with self._uow() as uow:
            return await uow.analyses.get(analysis_id)

    async def list_analyses(self, caller: Principal, *, limit: int = 100) -> list[Analysis]:
        caller.require(*ANALYSTS)
        async with self._uow() as uow:
            return await uow.analyses.list_analyses(limit=limit)

    async def cells(self, caller: Principal, analysis_id: str) -> tuple[Analysis, list[dict[str, Any]]]:
        """A DONE analysis and its per-cell values; Conflict while it runs or when it failed."""
        caller.require(*ANALYSTS)
        async with self._uow() as uow:
            analysis = await uow.analyses.get(analysis_id)
            if analysis.state is not AnalysisState.DONE:
                raise Conflict(f"analysis {analysis_id} is {analysis.state.value}, not done")
            return analysis, await uow.analyses.cells(analysis_id) or []

    async def cells_csv(self, caller: Principal, analysis_id: str) -> str:
        analysis, cells = await self.cells(caller, analysis_id)
        csv: str = _exports(analysis.kind).cells_csv(analysis.summary or {}, cells)
        return csv

    async def cells_geojson(self, caller: Principal, analysis_id: str) -> dict[str, Any]:
        analysis, cells = await self.cells(caller, analysis_id)
        geojson: dict[str, Any] = _exports(analysis.kind).cells_geojson(analysis.summary or {}, cells)
        return geojson

    async def report_html(self, caller: Principal, analysis_id: str, language: str = "en") -> str:
        analysis, cells = await self.cells(caller, analysis_id)
        return await asyncio.to_thread(self._need_renderer().report_html, analysis, cells, language)

    async def figures_csv(self, caller: Principal, analysis_id: str) -> str:
        """Every figure of the report (not per cell) as a long CSV."""
        analysis, _ = await self.cells(caller, analysis_id)
        return report_figures.figures_csv(analysis.kind.value, analysis.summary or {})

    async def report_pdf(self, caller: Principal, analysis_id: str, language: str = "ja") -> bytes:
        analysis, cells = await self.cells(caller, analysis_id)
        return await asyncio.to_thread(self._need_renderer().report_pdf, analysis, cells, language)

    async def map_png(self, caller: Principal, analysis_id: str) -> bytes:
        analysis, cells = await self.cells(caller, analysis_id)
        return await asyncio.to_thread(self._need_renderer().map_png, analysis, cells)

    # -- lifetime ------------------------------------------------------------------------------
    async def recover(self) -> tuple[int, int]:
        """At service start: (failed, requeued) — RUNNING ones were interrupted by a crash."""
        async with self._uow() as uow:
            left = await uow.analyses.list_in_states([AnalysisState.RUNNING, AnalysisState.QUEUED])
            for a in left:
                if a.state is AnalysisState.RUNNING:
                    await uow.analyses.save(a.model_copy(update={
                        "state": AnalysisState.FAILED, "finished_at": self._clock.now(),
                        "error": "interrupted: the service stopped while it ran; start it again"}))
            await uow.commit()
        queued = [a for a in left if a.state is AnalysisState.QUEUED]
        for analysis in sorted(queued, key=lambda a: a.created_at):
            self._schedule(analysis)
        if left:
            log.info("analyses recovered: %d interrupted, %d queued again", len(left) - len(queued), len(queued))
        return len(left) - len(queued), len(queued)

    async def wait_idle(self) -> None:
        """Until every scheduled analysis has finished (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop: running workers give up at their next progress report and are marked FAILED."""
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- the job -------------------------------------------------------------------------------
    async def _create(self, caller: Principal, kind: AnalysisKind, parameters: dict[str, Any]) -> Analysis:
        caller.require(*ANALYSTS)
        if kind not in self._runners:
            raise InvalidRequest(f"no analysis of kind {kind.value}", fields={"kind": "unknown kind"})
        validated = self._validate(kind, parameters)
        if "on_demand" in validated.get("modes", []) and not self._ride_areas:
            raise InvalidRequest("no on-demand service is enabled", fields={"parameters.modes": "no on-demand service"})
        if kind in (AnalysisKind.ACCESSIBILITY, AnalysisKind.SCENARIO):  # unknown categories: a bad request
            await self._destinations(AccessibilityParams.model_validate(
                {k: v for k, v in validated.items() if k in AccessibilityParams.model_fields}))
        if kind is AnalysisKind.ROUTE_PERFORMANCE:
            try:
                ZoneInfo(validated["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidRequest(f"unknown timezone {validated['timezone']!r}",
                                     fields={"parameters.timezone": "unknown timezone"}) from None
        if kind in (AnalysisKind.ACCESSIBILITY, AnalysisKind.SCENARIO) and self._scenarios is not None:
            await asyncio.to_thread(self._scenarios.check_region, _points_given(validated))
        if kind is AnalysisKind.SCENARIO and self._scenarios is not None:  # unknown routes or stops too
            checked = ScenarioParams.model_validate(validated)
            await asyncio.to_thread(self._scenarios.check_edits, checked.edits, checked.baseline_edits)
        analysis = Analysis(id=new_id("ana"), kind=kind, parameters=validated, created_by=caller.subject_id,
                            created_at=self._clock.now(), message="queued")
        async with self._uow() as uow:
            await uow.analyses.add(analysis)
            await uow.commit()
        return analysis

    @staticmethod
    def _validate(kind: AnalysisKind, parameters: dict[str, Any]) -> dict[str, Any]:
        try:
            if kind is AnalysisKind.ACCESSIBILITY:
                return AccessibilityParams.model_validate(parameters).model_dump(mode="json")
            if kind is AnalysisKind.SCENARIO:
                return ScenarioParams.model_validate(parameters).model_dump(mode="json")
            if kind is AnalysisKind.ROUTE_PERFORMANCE:
                return RoutePerformanceParams.model_validate(parameters).model_dump(mode="json")
        except ValidationError as exc:
            message, fields = validation_message(exc)
            raise InvalidRequest(message, fields=fields) from None
        raise InvalidRequest(f"no analysis of kind {kind.value}", fields={"kind": "unknown kind"})

    def _schedule(self, analysis: Analysis) -> None:
        task = asyncio.create_task(self._queued(analysis), name=f"analysis {analysis.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _queued(self, analysis: Analysis) -> None:
        async with self._slots:
            await self._execute(analysis, None)

    async def _execute(self, analysis: Analysis, on_progress: Callable[[float, str], None] | None) -> Analysis:
        latest: list[Any] = [0.0, "started"]
        changed = threading.Event()

        def progress(fraction: float, message: str) -> None:  # called from the worker thread
            if self._stopping.is_set():
                raise Cancelled("the service is stopping")
            latest[:] = [min(1.0, max(0.0, float(fraction))), message]
            changed.set()
            if on_progress is not None:
                on_progress(latest[0], message)

        analysis = analysis.model_copy(update={"state": AnalysisState.RUNNING, "started_at": self._clock.now(),
                                               "message": "started"})
        await self._save(analysis)
        reporter = asyncio.create_task(self._report(analysis, latest, changed))
        try:
            summary, cells = await self._runners[analysis.kind](analysis, progress)
        except (asyncio.CancelledError, Cancelled):
            await asyncio.shield(self._finish(analysis, reporter, error="interrupted: the service stopped"))
            raise
        except DomainError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            return await self._finish(analysis, reporter, error=exc.message + (f" ({details})" if details else ""))
        except Exception as exc:  # the job's failure is recorded, never lost in a task
            log.exception("analysis %s failed", analysis.id)
            return await self._finish(analysis, reporter, error=f"{type(exc).__name__}: {exc}")
        return await self._finish(analysis, reporter, summary=summary, cells=cells)

    async def _report(self, analysis: Analysis, latest: list[Any], changed: threading.Event) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY_S)
            if changed.is_set():
                changed.clear()
                await self._save(analysis.model_copy(update={"progress": latest[0], "message": latest[1]}))

    async def _finish(self, analysis: Analysis, reporter: asyncio.Task[None], *, error: str | None = None,
                      summary: dict[str, Any] | None = None, cells: list[dict[str, Any]] | None = None) -> Analysis:
        reporter.cancel()
        await asyncio.gather(reporter, return_exceptions=True)
        done = analysis.model_copy(update={
            "state": AnalysisState.FAILED if error is not None else AnalysisState.DONE,
            "progress": analysis.progress if error is not None else 1.0,
            "message": "failed" if error is not None else "done", "error": error, "summary": summary,
            "finished_at": self._clock.now()})
        async with self._uow() as uow:
            await uow.analyses.save(done)
            if cells is not None:
                await uow.analyses.save_cells(done.id, cells)
            await uow.commit()
        return done

    async def _save(self, analysis: Analysis) -> None:
        async with self._uow() as uow:
            current = await uow.analyses.get(analysis.id)
            if current.state in FINISHED:
                return
            await uow.analyses.save(analysis)
            await uow.commit()

    def _need_renderer(self) -> ReportRenderer:
        if self._renderer is None:
            raise Conflict("reports are not available: no renderer is configured")
        return self._renderer

    # -- kinds ---------------------------------------------------------------------------------
    async def _accessibility(self, analysis: Analysis, progress: Progress) -> Outcome:
        params = AccessibilityParams.model_validate(analysis.parameters)
        destinations = await self._destinations(params)
        engine = self._engine
        rides = self._ride_services(params)

        def work() -> Outcome:
            request = _matrix_request(engine, params, destinations, rides, progress)
            origins = request.origins
            matrix = engine.travel_times(request, lambda f, m: progress(0.05 + 0.85 * f, m))
            progress(0.92, "adding up the measures")
            summary, cells = accessibility.compute(params, origins, destinations, matrix, engine=engine.name)
            return {**summary, **accessibility.modes_summary(rides), **self._network_lines()}, cells

        return await asyncio.to_thread(work)

    async def _scenario(self, analysis: Analysis, progress: Progress) -> Outcome:
        params = ScenarioParams.model_validate(analysis.parameters)
        destinations = await self._destinations(params)
        engine, scenario = self._engine, self._scenarios
        rides = self._ride_services(params)
        riders, trips = await self._what_happened(params)
        assert scenario is not None

        def work() -> Outcome:
            request = _matrix_request(engine, params, destinations, rides, progress)
            origins = request.origins
            outcome = scenario.compare(request, params.edits, thresholds_min=params.thresholds_min,
                                       cost_model=params.cost_model, seed=params.seed,
                                       progress=lambda f, m: progress(0.02 + 0.93 * f, m),
                                       baseline_edits=params.baseline_edits,
                                       route_riders=riders, recorded_trips=trips)
            progress(0.96, "adding up the measures")
            summary, cells = scenarios.compute(params, origins, destinations, outcome, engine=scenario.name)
            return {**summary, **accessibility.modes_summary(rides), **self._network_lines()}, cells

        return await asyncio.to_thread(work)

    def _network_lines(self) -> dict[str, Any]:
        """Routes and stops for the report's maps (none without a scenario engine)."""
        return {} if self._scenarios is None else {"network": self._scenarios.network_lines()}

    async def _what_happened(self, params: ScenarioParams) -> tuple[RouteRiders, list[RecordedTrip]]:
        """Fixed-route riders of the date (given, uploaded or recorded) and the on-demand rides booked for it."""
        day = params.date
        period = RoutePerformanceParams(date=day, timezone=self._timezone)
        sold = await self._sold_legs(period, "transit")
        async with self._uow() as uow:  # counts the town uploaded for trips not booked here
            uploaded = await uow.ridership.totals(day)
            consenting = await uow.consents.granted(ConsentKind.MUNICIPAL_ANALYSES)
        riders = scenario_demand.route_riders(params.route_riders_per_day, uploaded,
                                              (leg.route_id for leg in sold if leg.ridden))
        trips: list[RecordedTrip] = []
        wanted = any(isinstance(e, ReplaceByOnDemandEdit) and e.demand == "recorded" for e in params.edits)
        if wanted and self._rides is not None:
            operators = {r.operator_id for area in self._ride_areas for r in area.ride_services(day) if r.operator_id}
            for operator_id in sorted(operators):
                _, booked = await self._rides.load_day(operator_id, day)
                # Only riders who agreed to share their trips with the town (docs/privacy.md).
                shared = [r for r in booked if r.rider_ref in consenting]
                trips += scenario_demand.recorded_trips(shared, day, self._timezone, operator_id)
        return riders, trips

    async def _route_performance(self, analysis: Analysis, progress: Progress) -> Outcome:
        params = RoutePerformanceParams.model_validate(analysis.parameters)
        engine = self._scenarios
        assert engine is not None
        dates = params.dates()

        def timetables() -> dict[str, list[Any]]:
            out = {}
            for n, day in enumerate(dates):
                progress(0.8 * n / len(dates), f"routes on {day.isoformat()}")
                out[day.isoformat()] = engine.route_figures(day)
            return out

        figures = await asyncio.to_thread(timetables)
        progress(0.85, "tickets sold")
        transit = await self._sold_legs(params, params.transit_operator_id)
        taxis = await self._sold_legs(params, None, mode="taxi")
        on_demand = None
        if params.on_demand_operator_id is not None and self._rides is not None:
            progress(0.92, "on-demand rides")
            days = [await self._rides.load_day(params.on_demand_operator_id, d) for d in dates]
            sold = await self._sold_legs(params, params.on_demand_operator_id)
            async with self._uow() as uow:
                refused = await uow.ride_refusals.list_refusals(params.on_demand_operator_id, first=dates[0],
                                                                last=dates[-1])
                consenting = await uow.consents.granted(ConsentKind.MUNICIPAL_ANALYSES)
            # Riders' recorded trips count only for riders who agreed to share them with the town,
            # and only when enough of them did that no one stands out (docs/privacy.md).
            days = [(plan, [r for r in rides if r.rider_ref in consenting]) for plan, rides in days]
            riders = {r.rider_ref for _, rides in days for r in rides}
            if len(riders) < self._min_riders:
                on_demand = {"operator_id": params.on_demand_operator_id, "suppressed": True,
                             "min_riders": self._min_riders}
            else:
                on_demand = route_performance.on_demand_figures(params.on_demand_operator_id, days, sold,
                                                                params.cost_model, refused, window=self._events)
        uploaded: dict[str, int] = {}
        async with self._uow() as uow:  # the town's counts of trips not booked here, over the period
            for day in dates:
                for route_id, boardings in (await uow.ridership.totals(day)).items():
                    uploaded[route_id] = uploaded.get(route_id, 0) + boardings
        return route_performance.compute(params, figures, transit, on_demand, taxis, uploaded)

    async def _sold_legs(self, params: RoutePerformanceParams, operator_id: str | None, *,
                         mode: str | None = None) -> list[route_performance.SoldLeg]:
        """The ledger entries (of one operator, or all) grouped per booked leg (of a mode, or any)
        departing (local date) in the period."""
        tz = ZoneInfo(params.timezone)
        dates = params.dates()
        since = dt.datetime.combine(dates[0], dt.time(), tz)
        until = dt.datetime.combine(dates[-1] + dt.timedelta(days=1), dt.time(), tz)
        legs: dict[tuple[str, int], route_performance.SoldLeg] = {}
        async with self._uow() as uow:  # settled after the trip: look up to 31 days past the period
            entries = await uow.ledger.entries(since=since, until=until + dt.timedelta(days=31), operator_id=operator_id)
            bookings: dict[str, Any] = {}
            for entry in entries:
                if entry.booking_id not in bookings:
                    bookings[entry.booking_id] = await uow.bookings.get(entry.booking_id)
                leg = bookings[entry.booking_id].legs[entry.leg_index]
                if not since <= leg.departure < until or (mode is not None and leg.mode != mode):
                    continue
                sold = legs.setdefault((entry.booking_id, entry.leg_index), route_performance.SoldLeg(leg))
                sold.amounts[entry.kind.value] = sold.amounts.get(entry.kind.value, 0) + entry.amount.amount_minor
        return list(legs.values())

    def _ride_services(self, params: AccessibilityParams) -> list[RideService]:
        """The door-to-door modes asked for: each on-demand zone on the day (its hours may be none), a taxi."""
        rides: list[RideService] = []
        if "on_demand" in params.modes:
            if not self._ride_areas:
                raise InvalidRequest("no on-demand service is enabled",
                                     fields={"parameters.modes": "no on-demand service"})
            for area in self._ride_areas:
                for ride in area.ride_services(params.date):
                    if params.on_demand_wait_min is not None:
                        ride = dataclasses.replace(ride, wait_s=params.on_demand_wait_min * 60)
                    rides.append(ride)
        if "taxi" in params.modes:
            rides.append(RideService(mode="taxi", speed_mps=params.taxi_speed_kmh / 3.6,
                                     wait_s=params.taxi_wait_min * 60))
        return rides

    async def _destinations(self, params: AccessibilityParams) -> list[Destination]:
        spec = params.destinations
        if not isinstance(spec, PlaceDestinations):
            return [Destination(id=p.id, lat=p.lat, lon=p.lon, category=p.category, name=p.name) for p in spec.points]
        found: list[Destination] = []
        async with self._uow() as uow:
            for category in dict.fromkeys(spec.categories):
                places = await uow.places.list_places(region_id=spec.region_id, category=category)
                if not places:
                    raise InvalidRequest(f"no places of category {category!r}",
                                         fields={"parameters.destinations.categories": f"no {category} places"})
                found.extend(Destination(id=p.id, lat=p.lat, lon=p.lon, category=p.category.value, name=p.name)
                             for p in places)
        return found


def _points_given(parameters: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(field, lat, lon) of the destination points and the grid's corners a request sends."""
    points: list[tuple[str, float, float]] = []
    destinations = parameters.get("destinations") or {}
    if destinations.get("type") == "points":
        points += [(f"parameters.destinations.points.{i}", p["lat"], p["lon"])
                   for i, p in enumerate(destinations["points"])]
    origins = parameters.get("origins") or {}
    if origins.get("type") == "grid":
        south, west, north, east = origins["bbox"]
        points += [("parameters.origins.bbox", south, west), ("parameters.origins.bbox", north, east)]
    return points


def _exports(kind: AnalysisKind) -> Any:
    """The module writing a kind's per-cell (or per-route) CSV and GeoJSON."""
    if kind is AnalysisKind.ROUTE_PERFORMANCE:
        return route_performance
    return scenarios if kind is AnalysisKind.SCENARIO else accessibility


def _matrix_request(engine: AccessibilityEngine, params: AccessibilityParams, destinations: Sequence[Destination],
                    rides: Sequence[RideService], progress: Progress) -> MatrixRequest:
    """The matrix an accessibility study or a scenario asks for, its origins read by the engine."""
    progress(0.0, "reading the origins")
    origins = engine.origins(params.origins)
    if not origins:
        raise InvalidRequest("no origins: the population field or grid is empty",
                             fields={"parameters.origins": "no cells"})
    return MatrixRequest(origins=origins, destinations=destinations, date=params.date, start=params.start,
                         window_min=params.window_min, step_min=params.step_min, percentiles=params.percentiles,
                         max_walk_m=params.max_walk_m, max_travel_min=params.max_travel_min,
                         walk_speed_mps=params.walk_speed_mps, rides=rides)
