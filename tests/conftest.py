"""Shared fixtures: repository paths, the real-data corpus and the test databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def corpus_path() -> Path:
    """The corpus location, from the one setting tests and benchmarks share."""
    return Path(os.environ.get("MAAS_CORPUS", str(REPO_ROOT.parent / "shared" / "corpus"))).resolve()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real-data corpus; missing is a skip on a laptop and a failure under CI=true."""
    path = corpus_path()
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"corpus not found at {path} (set MAAS_CORPUS); required under CI=true")
        pytest.skip(f"corpus not found at {path} (set MAAS_CORPUS)")
    return path
