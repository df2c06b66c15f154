"""A Cordeau dial-a-ride instance solved briefly: checker-clean, every request served, near optimal."""

from __future__ import annotations

import json

import pytest

from routing.pooling.bench import main as bench_main
from routing.pooling.bench_all import verify
from routing.pooling.cordeau import read_cordeau, read_reference_costs

pytestmark = pytest.mark.corpus


def test_a2_16_is_solved_close_to_its_optimum(corpus_dir, tmp_path):
    darp = corpus_dir / "pooling" / "darp"
    path = darp / "cordeau2006" / "a2-16.txt"
    out = tmp_path / "a2-16.json"
    assert bench_main(["--instance", str(path), "--time-limit-s", "4", "--out", str(out)]) == 0
    solution = json.loads(out.read_text())
    cost, served, problems = verify(path, solution)
    assert problems == [] and served == 16 and solution["unserved"] == []
    assert cost == pytest.approx(solution["cost"], abs=1e-4)
    optimum = read_reference_costs(darp / "bks.csv")["a2-16"]
    assert cost <= optimum * 1.02
    assert cost >= optimum - 1e-3


def test_published_optimal_routes_pass_the_checker_at_their_cost(corpus_dir):
    darp = corpus_dir / "pooling" / "darp"
    soln = json.loads((darp / "solutions" / "rist_forbes_exact" / "RF0-a2-16_soln.json").read_text())
    cost, served, problems = verify(darp / "cordeau2006" / "a2-16.txt", {"routes": soln["routes"]})
    assert problems == [] and served == 16
    assert cost == pytest.approx(read_reference_costs(darp / "bks.csv")["a2-16"], abs=1e-3)


def test_pr_files_read_with_a_shared_depot(corpus_dir):
    instance = read_cordeau(corpus_dir / "pooling" / "darp" / "cordeau_laporte2003" / "pr01.txt")
    assert instance.n_requests == 24 and len(instance.problem.vehicles) == 3
    assert all(v.start_place == v.end_place == 0 for v in instance.problem.vehicles)
