"""The tests' own layout (issue 20 item 7): no test module imports another test module (shared
helpers live in tests/fakes.py, helper modules and the tiers' conftests), and the only hand-moved
clock is tests/fakes.py's SteppedClock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def _is_test_module(dotted: str) -> bool:
    return dotted.startswith("tests.") and dotted.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(source: str, package: str = "tests.unit") -> list[str]:
    """The test modules `source` imports, wherever the import statement stands."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .test_x import y, from . import test_x
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if _is_test_module(base):
                found.append(base)
            found += [name for alias in node.names if _is_test_module(name := f"{base}.{alias.name}")]
    return found


def _package(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])


@pytest.mark.parametrize("source", [
    "from tests.unit.test_taxi_adapter import FakeClock",
    "import tests.e2e.test_api_bookings",
    "from tests.e2e import test_api_bookings",
    "from .test_bikeshare import QUERY",
    "from . import test_bikeshare",
    "def helper():\n    from tests.property.test_raptor_bruteforce import write_feed\n",
    "import os, tests.realdata.test_fares_corpus as fares",
])
def test_an_import_of_a_test_module_is_found(source: str) -> None:
    assert len(imported_test_modules(source)) == 1, source


@pytest.mark.parametrize("source", [
    "from tests.fakes import SteppedClock",
    "from tests.e2e.demo_bookings import SYSTEM, book",
    "from tests.unit.tiny_access_feed import STOPS",
    "from . import tiny_scenario_feed",
    "import pytest\nfrom maas.domain.testing import contest",
    "from tests.e2e.conftest import PASSWORD",
    "from aiohttp.test_utils import TestServer",
    "import hypothesis.test_utils",
])
def test_imports_of_helpers_are_not(source: str) -> None:
    assert imported_test_modules(source) == [], source


def test_no_test_module_imports_another() -> None:
    offenders = {str(path.relative_to(TESTS.parent)): imported
                 for path in sorted(TESTS.rglob("*.py"))
                 if (imported := imported_test_modules(path.read_text(encoding="utf-8"), _package(path)))}
    assert offenders == {}, "move what they share to tests/fakes.py, a helper module or a conftest"


def test_clocks_are_the_fakes_clocks() -> None:
    clocks = [f"{path.relative_to(TESTS.parent)}:{node.lineno} {node.name}"
              for path in sorted(TESTS.rglob("*.py")) if path != TESTS / "fakes.py"
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ClassDef) and node.name.endswith("Clock")]
    assert clocks == [], "use tests/fakes.py's SteppedClock (or add the clock a test truly needs there)"
