"""The domain's ScenarioEngine on routing.scenarios: edit the planner's feeds, route both networks.

The feeds are those of the journey planner's network (read once per feed set and kept). An
edit's route id is a route of one feed, written plainly or as `<feed key>:<route id>` when
several feeds have it; an added route goes to the feed holding its existing stops. The edited
network is compiled with the network's own parameters and routed by the same
`routing.access.travel_time_matrix` as the baseline, so every difference comes from the edits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from maas.domain import errors
from maas.domain.analyses import MatrixRequest, Progress
from maas.domain.scenarios import (AccessChange, AddRouteEdit, AnyEdit, CostModelSpec, RemoveRouteEdit,
                                   RecordedTrip, ReplaceByOnDemandEdit, RouteFigures, RouteRiders, ScenarioOutcome,
                                   SetHeadwayEdit, SetSpanEdit, clock_s)
from maas.routing_adapter.accessibility import CHUNK_CELLS, route_matrix
from maas.routing_adapter.network_lines import network_lines
from maas.routing_adapter.scenario_money import route_fares, scenario_economics
from maas.routing_adapter.scenario_vans import SimulatedZone, after_rides, served_share_of, simulate_zone
from routing.fares import compile_fares
from routing.access import PointSet
from routing.gtfs import LoadedFeed, read_feed
from routing.plan import Network, NoService, Planner
from routing.scenarios import (AddRoute, NewStop, RemoveRoute, ReplaceByOnDemand, ScenarioError, SetHeadway,
                               SetSpan, apply_edits, compare_access, route_performance)
from routing.timetable.compile import compile_feeds


# Points this far beyond the network's outermost stops still belong to the region (about 11 km).
REGION_MARGIN_DEG = 0.1


class RaptorScenarioEngine:
    name = "raptor"

    def __init__(self, network: Callable[[], Network], *, chunk_cells: int = CHUNK_CELLS) -> None:
        self._network = network
        self._chunk = max(1, chunk_cells)
        self._lock = threading.Lock()
        self._loaded: tuple[tuple[Any, ...], list[LoadedFeed]] | None = None

    # -- the feeds ------------------------------------------------------------------------------
    def _feeds(self, network: Network) -> list[LoadedFeed]:
        with self._lock:
            if self._loaded is None or self._loaded[0] != network.sources:
                self._loaded = (network.sources, [read_feed(s.path) for s in network.sources])
            return self._loaded[1]

    def _edited(self, network: Network, edits: Sequence[AnyEdit], *, on: list[LoadedFeed] | None = None,
                label: str = "edits") -> tuple[list[LoadedFeed], list[ReplaceByOnDemand]]:
        """The network's feeds (or `on`, feeds edited already) with the edits applied, and the on-demand zones."""
        feeds = self._feeds(network) if on is None else on
        if not feeds:
            raise errors.InvalidRequest("no transit feeds are loaded", fields={"parameters.edits": "no network"})
        per_feed: dict[int, list[Any]] = {}
        zones: list[ReplaceByOnDemand] = []
        try:
            for i, edit in enumerate(edits):
                for k, converted in _convert(edit, i, feeds, network.keys, label):
                    per_feed.setdefault(k, []).append(converted)
                if isinstance(edit, ReplaceByOnDemandEdit):
                    zones.append(ReplaceByOnDemand(
                        tuple(edit.route_ids), edit.zone.outer, edit.vehicles, edit.seats,
                        clock_s(edit.start), clock_s(edit.end)))
            return [apply_edits(f, per_feed[k]) if k in per_feed else f for k, f in enumerate(feeds)], zones
        except ScenarioError as exc:
            raise errors.InvalidRequest(f"the edits do not fit the network: {exc}",
                                        fields={f"parameters.{label}": str(exc)}) from None

    # -- the port -------------------------------------------------------------------------------
    def check_edits(self, edits: Sequence[AnyEdit], baseline_edits: Sequence[AnyEdit] = ()) -> None:
        network = self._network()
        feeds = self._feeds(network)
        for label, group in (("baseline_edits", baseline_edits), ("edits", edits)):
            _check_region(feeds, group, label)
        base, _ = self._edited(network, baseline_edits, label="baseline_edits")
        self._edited(network, edits, on=base)

    def check_region(self, points: Sequence[tuple[str, float, float]]) -> None:
        feeds = self._feeds(self._network())
        if not feeds:
            return
        south, west, north, east = _region(feeds)
        for name, lat, lon in points:
            if not (south <= lat <= north and west <= lon <= east):
                raise errors.OutsideRegion(
                    f"{name}: (lat {lat}, lon {lon}) is outside the region served (lat {south:.3f}..{north:.3f}, "
                    f"lon {west:.3f}..{east:.3f}); points are {{lat, lon}} objects, bounding boxes "
                    "[south, west, north, east]", fields={name: "outside the region"})

    def network_lines(self) -> dict[str, Any]:
        return network_lines(self._feeds(self._network()))

    def route_figures(self, date: dt.date) -> list[RouteFigures]:
        network = self._network()
        return [_figures(p, key) for f, key in zip(self._feeds(network), network.keys)
                for p in route_performance(f, date)]

    def compare(self, request: MatrixRequest, edits: Sequence[AnyEdit], *, thresholds_min: Sequence[int],
                cost_model: CostModelSpec | None, seed: int, progress: Progress,
                baseline_edits: Sequence[AnyEdit] = (), route_riders: RouteRiders | None = None,
                recorded_trips: Sequence[RecordedTrip] = ()) -> ScenarioOutcome:
        network = self._network()
        progress(0.0, "applying the edits")
        # Two scenarios side by side: the baseline is the network with its own edits, if any.
        feeds, _ = self._edited(network, baseline_edits, label="baseline_edits")
        edited, _ = self._edited(network, edits, on=feeds)
        progress(0.03, f"loading the timetable of {request.date.isoformat()}")
        try:
            baseline = (network.planner(request.date) if not baseline_edits else
                        Planner(compile_feeds(feeds, network.keys, request.date, network.params)))
        except NoService as exc:
            raise errors.NoService(str(exc), fields={"parameters.date": str(exc)}) from None
        changed = Planner(compile_feeds(edited, network.keys, request.date, network.params))
        specs = [e for e in edits if isinstance(e, ReplaceByOnDemandEdit)]
        zones = []
        for n, spec in enumerate(specs, start=1):  # first: their waits and capacity shape the "after" rides
            progress(0.04, f"simulating on-demand zone {n} of {len(specs)}")
            zones.append(simulate_zone(request, spec, n, seed, recorded_trips))
        before = route_matrix(baseline, request, lambda f, m: progress(0.05 + 0.4 * f, m), self._chunk,
                              label="baseline travel times")
        after_request = dataclasses.replace(request, rides=tuple(after_rides(request.rides, zones)))
        after = route_matrix(changed, after_request, lambda f, m: progress(0.45 + 0.45 * f, m), self._chunk,
                             label="scenario travel times")
        progress(0.92, "comparing")
        access = _compare(request, before, after, thresholds_min, zones)
        perf_before = [p for f in feeds for p in route_performance(f, request.date)]
        perf_after = [p for f in edited for p in route_performance(f, request.date)]
        money = None
        if cost_model is not None:
            fares = route_fares(feeds, network.keys, compile_fares(feeds, list(network.keys)))
            fares.update(route_fares(edited, network.keys, compile_fares(edited, list(network.keys))))
            money = scenario_economics(cost_model, perf_before, perf_after, zones, fares,
                                       route_riders or RouteRiders())
        return ScenarioOutcome(before=before, after=after, access=access,
                               routes_before=[_figures(p) for p in perf_before],
                               routes_after=[_figures(p) for p in perf_after], economics=money,
                               on_demand=[z.as_json() for z in zones])


def _region(feeds: Sequence[LoadedFeed]) -> tuple[float, float, float, float]:
    """(south, west, north, east) of every stop of the network, widened by REGION_MARGIN_DEG."""
    lats = np.concatenate([f.feed.stops["stop_lat"].to_numpy(float) for f in feeds])
    lons = np.concatenate([f.feed.stops["stop_lon"].to_numpy(float) for f in feeds])
    m = REGION_MARGIN_DEG
    return float(np.nanmin(lats)) - m, float(np.nanmin(lons)) - m, float(np.nanmax(lats)) + m, float(np.nanmax(lons)) + m


def _check_region(feeds: Sequence[LoadedFeed], edits: Sequence[AnyEdit], label: str) -> None:
    """OutsideRegion naming the first zone corner, depot or new stop far from every stop of the network."""
    if not feeds or not edits:
        return
    south, west, north, east = _region(feeds)
    for i, edit in enumerate(edits):
        points: list[tuple[str, float, float]] = []
        if isinstance(edit, ReplaceByOnDemandEdit):
            points += [("zone", lat, lon) for lon, lat in edit.zone.corners()]
            if edit.depot is not None:
                points.append(("depot", edit.depot.lat, edit.depot.lon))
        elif isinstance(edit, AddRouteEdit):
            points += [("new_stops", s.lat, s.lon) for s in edit.new_stops]
        for name, lat, lon in points:
            if not (south <= lat <= north and west <= lon <= east):
                hint = (" (it would be inside as [lon, lat] swapped)" if south <= lon <= north and west <= lat <= east
                        else "")
                raise errors.OutsideRegion(
                    f"edit {i}: {name} point (lat {lat}, lon {lon}) is outside the region served "
                    f"(lat {south:.3f}..{north:.3f}, lon {west:.3f}..{east:.3f}){hint}; zones are GeoJSON "
                    "[lon, lat] positions, other points {lat, lon} objects",
                    fields={f"parameters.{label}.{i}.{name}": "outside the region"})


def _locate(route_id: str, i: int, feeds: Sequence[LoadedFeed], keys: Sequence[str], name: str,
            label: str = "edits") -> tuple[int, str]:
    """(feed index, route id in that feed) of an edit's route; InvalidRequest naming the edit's field."""
    field = f"parameters.{label}.{i}.{name}"
    key, sep, rest = route_id.partition(":")
    if sep and key in keys:
        k = list(keys).index(key)
        if rest in set(feeds[k].feed.routes["route_id"].astype(str)):
            return k, rest
    holders = [k for k, f in enumerate(feeds) if route_id in set(f.feed.routes["route_id"].astype(str))]
    if not holders:
        raise errors.InvalidRequest(f"edit {i}: unknown route {route_id!r}", fields={field: "unknown route"})
    if len(holders) > 1:
        options = ", ".join(f"{keys[k]}:{route_id}" for k in holders)
        raise errors.InvalidRequest(f"edit {i}: route {route_id!r} is in several feeds; use one of {options}",
                                    fields={field: "ambiguous route"})
    return holders[0], route_id


def _convert(edit: AnyEdit, i: int, feeds: Sequence[LoadedFeed], keys: Sequence[str],
             label: str = "edits") -> list[tuple[int, Any]]:
    if isinstance(edit, SetHeadwayEdit):
        k, route = _locate(edit.route_id, i, feeds, keys, "route_id", label)
        window = (None, None) if edit.start is None or edit.end is None else (clock_s(edit.start), clock_s(edit.end))
        return [(k, SetHeadway(route, edit.headway_min * 60, *window, service_id=edit.service_id))]
    if isinstance(edit, SetSpanEdit):
        k, route = _locate(edit.route_id, i, feeds, keys, "route_id", label)
        return [(k, SetSpan(route, clock_s(edit.start), clock_s(edit.end)))]
    if isinstance(edit, RemoveRouteEdit):
        k, route = _locate(edit.route_id, i, feeds, keys, "route_id", label)
        return [(k, RemoveRoute(route))]
    if isinstance(edit, ReplaceByOnDemandEdit):
        return [(k, RemoveRoute(r)) for k, r in (_locate(r, i, feeds, keys, "route_ids", label) for r in edit.route_ids)]
    assert isinstance(edit, AddRouteEdit)
    new = {s.stop_id for s in edit.new_stops}
    existing = [s for s in edit.stop_ids if s not in new]
    k = next((n for n, f in enumerate(feeds)
              if existing and set(existing) <= set(f.feed.stops["stop_id"].astype(str))), 0)
    if existing and not set(existing) <= set(feeds[k].feed.stops["stop_id"].astype(str)):
        missing = sorted(set(existing) - set(feeds[k].feed.stops["stop_id"].astype(str)))
        raise errors.InvalidRequest(f"edit {i}: unknown stops {missing}",
                                    fields={f"parameters.{label}.{i}.stop_ids": "unknown stops"})
    route = AddRoute(edit.route_id, edit.name, edit.route_type, tuple(edit.stop_ids),
                     tuple(round(t * 60) for t in edit.run_times_min), edit.headway_min * 60,
                     clock_s(edit.start), clock_s(edit.end), service_id=edit.service_id,
                     weekdays=None if edit.weekdays is None else tuple(edit.weekdays),
                     new_stops=tuple(NewStop(s.stop_id, s.name, s.lat, s.lon) for s in edit.new_stops),
                     both_directions=edit.both_directions)
    return [(k, route)]


def _compare(request: MatrixRequest, before: list, after: list, thresholds_min: Sequence[int],
             zones: list[SimulatedZone]) -> list[AccessChange]:
    origins = PointSet.from_arrays([o.id for o in request.origins], [o.lat for o in request.origins],
                                   [o.lon for o in request.origins], weight=[o.population for o in request.origins])
    elderly = [o.population_65_plus for o in request.origins]
    categories = sorted({d.category for d in request.destinations})
    shares = {o.id: served_share_of(zones, o.lat, o.lon) for o in request.origins} if zones else {}
    people = {o.id: o for o in request.origins}
    out = []
    for category in categories:
        mask = np.array([d.category == category for d in request.destinations], bool)
        for pi, percentile in enumerate(request.percentiles):
            old = np.asarray(before[pi], float).reshape(len(request.origins), len(request.destinations))
            new = np.asarray(after[pi], float).reshape(len(request.origins), len(request.destinations))
            for minutes in thresholds_min:
                c = compare_access(old, new, origins, minutes * 60, elderly=elderly, destination_mask=mask)
                out.append(AccessChange(category=category, percentile=int(percentile), minutes=int(minutes),
                                        gained=tuple(x.origin_id for x in c.gained),
                                        lost=tuple(x.origin_id for x in c.lost),
                                        residents_gained=c.residents_gained, residents_lost=c.residents_lost,
                                        residents_65_plus_gained=c.elderly_gained,
                                        residents_65_plus_lost=c.elderly_lost,
                                        residents_gained_served=None if not zones else sum(
                                            people[x.origin_id].population * shares[x.origin_id] for x in c.gained),
                                        residents_65_plus_gained_served=None if not zones else sum(
                                            people[x.origin_id].population_65_plus * shares[x.origin_id]
                                            for x in c.gained)))
    return out


def _figures(p: Any, feed_key: str = "") -> RouteFigures:
    return RouteFigures(feed_key=feed_key, route_id=p.route_id, name=p.route_name, route_type=p.route_type, trips=p.trips,
                        service_hours=round(p.service_hours, 4), service_km=round(p.service_km, 3),
                        distance_source=p.distance_source, first_departure_s=p.first_departure_s,
                        last_departure_s=p.last_departure_s, mean_headway_s=p.mean_headway_s)
