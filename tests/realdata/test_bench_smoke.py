"""A short smoke run of the routing benchmark's command line (the full run is `make bench-routing`)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.corpus


def test_bench_cli_answers_random_and_given_queries(corpus_dir: Path, tmp_path: Path) -> None:
    feed = corpus_dir / "gtfs-jp" / "kuwayama-gtfsjp-corpus-2019" / "gtfs.1034.uenomura_com.zip"
    base = [sys.executable, "-m", "routing.bench", "--feed", str(feed), "--date", "2019-06-05",
            "--cache-dir", str(tmp_path / "cache")]
    drawn = subprocess.run([*base, "--random", "20", "--seed", "3", "--out", str(tmp_path / "a.csv")],
                           capture_output=True, text=True, timeout=300)
    assert drawn.returncode == 0, drawn.stderr
    assert "p50" in drawn.stdout and "p95" in drawn.stdout
    with (tmp_path / "a.csv").open(encoding="utf-8") as handle:
        answers = list(csv.DictReader(handle))
    assert len(answers) == 20
    assert set(answers[0]) >= {"origin_stop_id", "destination_stop_id", "depart", "arrival", "transfers", "query_ms"}
    reached = [a for a in answers if a["arrival"]]
    assert all(a["arrival"] >= a["depart"] for a in reached)

    queries = tmp_path / "q.csv"
    queries.write_text("origin_stop_id,destination_stop_id,depart\n"
                       f"{answers[0]['origin_stop_id']},{answers[0]['destination_stop_id']},{answers[0]['depart']}\n",
                       encoding="utf-8")
    given = subprocess.run([*base, "--queries", str(queries), "--out", str(tmp_path / "b.csv")],
                           capture_output=True, text=True, timeout=300)
    assert given.returncode == 0, given.stderr
    assert "cached" in given.stdout.lower()
    with (tmp_path / "b.csv").open(encoding="utf-8") as handle:
        [again] = list(csv.DictReader(handle))
    assert (again["arrival"], again["transfers"]) == (answers[0]["arrival"], answers[0]["transfers"])


def test_pooling_insert_bench_books_a_small_day_and_keeps_its_promises(repo_root: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "routing.pooling.bench_insert",
                          "--region", str(repo_root / "fixtures" / "demo-region"), "--vehicles", "3",
                          "--requests", "25", "--probes", "5", "--seed", "2", "--reoptimise-s", "0.5"],
                         capture_output=True, text=True, timeout=300, cwd=repo_root)
    assert run.returncode == 0, run.stderr
    assert "p50" in run.stdout and "p95" in run.stdout
    assert "promises kept (checker clean)" in run.stdout
