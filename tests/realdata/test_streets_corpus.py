"""routing.streets on real OSM: Tampere checked against a plain Dijkstra, the Japanese extracts, the bench."""

from __future__ import annotations

import csv
import heapq
from pathlib import Path

import numpy as np
import pytest

from routing.streets import StreetGraph, StreetRouter, TooFarFromStreet, load_graph
from routing.streets.bench import main as bench_main

pytestmark = pytest.mark.corpus

TAMPERE = "osm/tampere.osm.pbf"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streets")


@pytest.fixture(scope="module")
def tampere(corpus_dir: Path, cache: Path) -> StreetGraph:
    return load_graph(corpus_dir / TAMPERE, cache_dir=cache)  # built once per module, then read from the cache


def _plain_dijkstra(graph: StreetGraph, profile: int, source: int) -> dict[int, float]:
    """Least walking cost from one vertex over the graph's edges, with heapq and nothing shared."""
    adjacency: dict[int, list[tuple[int, float]]] = {}
    for e in range(graph.edge_count):
        tail, head = int(graph.edge_tail[e]), int(graph.edge_head[e])
        forward, backward = graph.edge_cost_s[e, profile]
        if np.isfinite(forward):
            adjacency.setdefault(tail, []).append((head, float(forward)))
        if np.isfinite(backward):
            adjacency.setdefault(head, []).append((tail, float(backward)))
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        cost, u = heapq.heappop(queue)
        if cost > best[u]:
            continue
        for v, c in adjacency.get(u, []):
            if cost + c < best.get(v, np.inf):
                best[v] = cost + c
                heapq.heappush(queue, (cost + c, v))
    return best


def test_walking_costs_match_a_plain_dijkstra(tampere: StreetGraph):
    router = StreetRouter(tampere)
    rng = np.random.default_rng(7)
    usable = tampere.snappable_edges("walk", router.island_fraction)
    walkable = np.unique(np.r_[tampere.edge_tail[usable], tampere.edge_head[usable]])
    sources = rng.choice(walkable, size=2, replace=False)
    targets = rng.choice(walkable, size=40, replace=False)
    vertex = lambda ids: np.column_stack([tampere.vertex_lat[ids], tampere.vertex_lon[ids]])  # noqa: E731
    matrix = router.matrix("walk", vertex(sources), vertex(targets))
    assert np.all(matrix.snap_from_m < 0.01) and np.all(matrix.snap_to_m < 0.01)
    checked = 0
    for i, source in enumerate(sources):
        expected = _plain_dijkstra(tampere, 0, int(source))
        for j, target in enumerate(targets):
            want = expected.get(int(target), np.inf)
            assert matrix.duration_s[i, j] == pytest.approx(want, rel=1e-9, abs=1e-6)
            if np.isfinite(want):
                checked += 1
                path = router.route("walk", *vertex([source])[0], *vertex([target])[0])
                assert path.duration_s == pytest.approx(want, rel=1e-9, abs=1e-6)
                assert path.distance_m == pytest.approx(want * 0.8, rel=0.05)  # steps cost more than metres
    assert checked == 80  # snapping keeps to the main network, which is connected


def test_tampere_snapping_and_far_points(tampere: StreetGraph):
    router = StreetRouter(tampere)
    # Keskustori (the central square) to Tampere-talo: a walk of about 1.5 km
    path = router.route("walk", 61.49786, 23.76075, 61.50153, 23.78138)
    assert 1100 < path.distance_m < 2500 and path.snap_from_m < 60 and path.snap_to_m < 60
    assert path.coordinates[0] == (61.49786, 23.76075) and path.coordinates[-1] == (61.50153, 23.78138)
    with pytest.raises(TooFarFromStreet):
        router.route("walk", 61.49786, 23.76075, 61.49786 + 0.27, 23.76075)  # 30 km north
    car = router.route("car", 61.49786, 23.76075, 61.50153, 23.78138)
    assert car.duration_s < path.duration_s / 3


@pytest.mark.parametrize("name", ["osm/shibuya.osm.pbf", "osm/tsukuba-aist.osm"])
def test_japanese_extracts(corpus_dir: Path, name: str):
    graph = load_graph(corpus_dir / name)
    router = StreetRouter(graph)
    rng = np.random.default_rng(3)
    picks = rng.choice(graph.pos_lat.shape[0], size=12, replace=False)
    points = np.column_stack([graph.pos_lat[picks], graph.pos_lon[picks]])
    walk = router.matrix("walk", points, points)
    wheel = router.matrix("wheelchair", points, points)
    reached = np.isfinite(walk.duration_s)
    assert reached.mean() > 0.5 and np.all(np.diag(walk.duration_s)[np.isfinite(np.diag(walk.duration_s))] < 1e-6)
    both = reached & np.isfinite(wheel.duration_s)
    assert np.all(wheel.duration_s[both] >= walk.duration_s[both] - 1e-6)  # the wheelchair never finds a shortcut


def test_bench_contract(corpus_dir: Path, tmp_path: Path, tampere: StreetGraph, cache: Path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("from_lat,from_lon,to_lat,to_lon\n61.49786,23.76075,61.50153,23.78138\n"
                     "61.49786,23.76075,61.76786,23.76075\n")
    out = tmp_path / "answers.csv"
    assert bench_main(["--osm", str(corpus_dir / TAMPERE), "--profile", "walk", "--pairs", str(pairs),
                       "--out", str(out), "--cache-dir", str(cache)]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["from_lat", "from_lon", "to_lat", "to_lon", "distance_m", "duration_s", "snap_from_m",
                             "snap_to_m", "query_ms", "error"]
    assert float(rows[0]["distance_m"]) > 1000 and rows[0]["error"] == ""
    assert rows[1]["distance_m"] == "" and rows[1]["error"] == "TooFarFromStreet"
