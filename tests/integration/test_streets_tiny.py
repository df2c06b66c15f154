"""routing.streets on a hand-drawn OSM file: profiles, snapping, islands, bad files, the cache."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from routing.streets import (StreetParams, StreetRouter, TooFarFromStreet, UnknownProfile, Unreachable,
                             UnreadableOsm, load_graph)
from routing.streets import cache as street_cache
from tests.streets_osm import lat_lon, write_osm, write_tiny


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny(tmp_path / "tiny.osm")


def _router(path: Path, **params: object) -> StreetRouter:
    return StreetRouter(load_graph(path, StreetParams(**params)))  # type: ignore[arg-type]


def _route(router: StreetRouter, profile: str, a: tuple[float, float], b: tuple[float, float]):
    return router.route(profile, *lat_lon(*a), *lat_lon(*b))


def test_walk_takes_the_steps_and_wheelchair_the_footway_round(tiny: Path):
    router = _router(tiny)
    walk = _route(router, "walk", (0, 0), (0, 100))
    assert walk.distance_m == pytest.approx(100, rel=0.01)
    assert walk.duration_s == pytest.approx(100 * 3.0 / 0.8, rel=0.01)  # steps cost three level metres
    wheel = _route(router, "wheelchair", (0, 0), (0, 100))
    assert wheel.distance_m == pytest.approx(400, rel=0.01)
    assert wheel.duration_s == pytest.approx(400 / 0.8, rel=0.01)
    assert any(x > 140 for x, _ in (_xy(p) for p in wheel.coordinates))  # round by D and E
    avoiding = _route(_router(tiny, avoid_steps=True), "walk", (0, 0), (0, 100))
    assert avoiding.distance_m == pytest.approx(400, rel=0.01)


def test_geometry_starts_and_ends_at_the_points_and_follows_the_snapped_street(tiny: Path):
    router = _router(tiny)
    # beside the steps, which a wheelchair may not use: snapped to the footway's corner A, and to C-E
    path = _route(router, "wheelchair", (-20, 30), (20, 80))
    assert path.coordinates[0] == pytest.approx(lat_lon(-20, 30))
    assert path.coordinates[-1] == pytest.approx(lat_lon(20, 80))
    assert path.snap_from_m == pytest.approx(math.hypot(20, 30), abs=0.5)
    assert path.snap_to_m == pytest.approx(20, abs=0.5)
    assert path.coordinates[1] == pytest.approx(lat_lon(0, 0), abs=1e-6)
    assert path.coordinates[-2] == pytest.approx(lat_lon(20, 100), abs=1e-6)
    assert path.distance_m == pytest.approx(150 + 100 + 130, rel=0.01)


def test_same_edge_points_meet_along_it(tiny: Path):
    router = _router(tiny)
    path = _route(router, "walk", (20, 5), (120, 5))
    assert path.distance_m == pytest.approx(100, rel=0.01)
    assert path.snap_from_m == pytest.approx(5, abs=0.2) and path.snap_to_m == pytest.approx(5, abs=0.2)


def test_car_respects_the_one_way(tiny: Path):
    router = _router(tiny)
    there = _route(router, "car", (300, 10), (300, 190))
    back = _route(router, "car", (300, 190), (300, 10))
    assert there.distance_m == pytest.approx(180, rel=0.02)
    assert back.distance_m > 600  # round by H
    with pytest.raises(TooFarFromStreet):  # C is 300 m from the nearest car street
        StreetRouter(router.graph, max_snap_m=100).route("car", *lat_lon(0, 100), *lat_lon(300, 10))


def test_island_is_unreachable_never_a_straight_line(tiny: Path):
    router = _router(tiny)
    with pytest.raises(Unreachable):
        _route(router, "walk", (0, 0), (2050, 0))
    m = router.matrix("walk", np.array([lat_lon(0, 0), lat_lon(2000, 0)]), np.array([lat_lon(2100, 0)]))
    assert math.isinf(m.duration_s[0, 0]) and m.distance_m[1, 0] == pytest.approx(100, rel=0.01)


def test_point_far_from_any_street_is_a_named_error(tiny: Path):
    router = _router(tiny)
    with pytest.raises(TooFarFromStreet, match="too far from any street"):
        _route(router, "walk", (0, 0), (30_000, 0))
    m = router.matrix("walk", np.array([lat_lon(30_000, 0)]), np.array([lat_lon(0, 0)]))
    assert math.isinf(m.snap_from_m[0]) and math.isinf(m.duration_s[0, 0])


def test_matrix_agrees_with_one_to_one(tiny: Path):
    router = _router(tiny)
    points = [(0, 0), (0, 100), (150, 50), (300, 100), (20, 5), (120, 5)]
    m = router.matrix("walk", np.array([lat_lon(*p) for p in points]), np.array([lat_lon(*p) for p in points]))
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            path = _route(router, "walk", a, b)
            assert m.duration_s[i, j] == pytest.approx(path.duration_s, abs=1e-6)
            assert m.distance_m[i, j] == pytest.approx(path.distance_m, abs=1e-6)
    limited = router.matrix("walk", np.array([lat_lon(0, 0)]), np.array([lat_lon(300, 100)]), limit_s=60)
    assert math.isinf(limited.duration_s[0, 0])


def test_unknown_profile(tiny: Path):
    with pytest.raises(UnknownProfile):
        _route(_router(tiny), "horse", (0, 0), (0, 100))


@pytest.mark.parametrize("content", [None, b"", b"this is not OSM", b"<osm version='0.6'></osm>"])
def test_unreadable_or_empty_files_are_named_errors(tmp_path: Path, content: bytes | None):
    path = tmp_path / "bad.osm"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableOsm):
        load_graph(path)


def test_file_without_usable_streets(tmp_path: Path):
    path = write_osm(tmp_path / "motorway.osm", {1: (0, 0), 2: (100, 0), 3: (200, 0)},
                     [(1, [1, 2], {"highway": "motorway"}), (2, [2, 3], {"building": "yes"})])
    graph = load_graph(path)
    with pytest.raises(TooFarFromStreet):
        StreetRouter(graph).route("walk", *lat_lon(0, 0), *lat_lon(100, 0))
    empty = write_osm(tmp_path / "none.osm", {1: (0, 0), 2: (100, 0)}, [(1, [1, 2], {"building": "yes"})])
    with pytest.raises(UnreadableOsm, match="no highway"):
        load_graph(empty)


def test_cache_hit_reads_no_osm(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    built = load_graph(tiny, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("streets-*.npz"))) == 1

    def refuse(*args: object) -> None:
        raise AssertionError("parsed the OSM file on a cache hit")

    monkeypatch.setattr(street_cache, "read_ways", refuse)
    cached = load_graph(tiny, cache_dir=tmp_path / "cache")
    for name, array in built.arrays().items():
        np.testing.assert_array_equal(array, cached.arrays()[name])
    with pytest.raises(AssertionError):  # other parameters are another graph
        load_graph(tiny, StreetParams(walk_speed_mps=1.2), cache_dir=tmp_path / "cache")


def _xy(point: tuple[float, float]) -> tuple[float, float]:
    from tests.streets_osm import LAT0, LON0, M_PER_DEG_LAT, M_PER_DEG_LON
    return (point[1] - LON0) * M_PER_DEG_LON, (point[0] - LAT0) * M_PER_DEG_LAT
