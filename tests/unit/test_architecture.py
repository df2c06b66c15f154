"""The custom import-linter contract catches what it should, and the project's contracts hold."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import grimp
import pytest

from tests.architecture.contracts import SubmoduleForbiddenContract


@pytest.fixture
def toy_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    pkg = tmp_path / "toy"
    (pkg / "api").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "api" / "__init__.py").write_text("from aiohttp import web\n")
    (pkg / "client.py").write_text("import aiohttp\nfrom aiohttp import ClientSession\n")
    (pkg / "leaky.py").write_text(textwrap.dedent("""\
        import os
        from aiohttp.web import Response
    """))
    (pkg / "sneaky.py").write_text("import aiohttp.web_response\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "toy"


def _contract(**options: object) -> SubmoduleForbiddenContract:
    return SubmoduleForbiddenContract(name="t", session_options={}, contract_options=options)


def test_contract_reports_every_forbidden_import_outside_the_allowed_package(toy_package: str) -> None:
    graph = grimp.build_graph(toy_package)
    contract = _contract(source_modules=["toy"], allowed_sources=["toy.api"],
                         forbidden_modules=["aiohttp.web", "aiohttp.web_*"])
    check = contract.check(graph, verbose=False)
    assert not check.kept
    found = {(v["importer"], v["imported"], v["line"]) for v in check.metadata["violations"]}
    assert found == {("toy.leaky", "aiohttp.web", 2), ("toy.leaky", "aiohttp.web.Response", 2),
                     ("toy.sneaky", "aiohttp.web_response", 1)}


def test_contract_is_kept_when_only_the_allowed_package_imports(toy_package: str) -> None:
    graph = grimp.build_graph(toy_package)
    check = _contract(source_modules=["toy.client", "toy.api"], allowed_sources=["toy.api"],
                      forbidden_modules=["aiohttp.web"]).check(graph, verbose=False)
    assert check.kept


def test_project_import_contracts_hold(repo_root: Path) -> None:
    result = subprocess.run([Path(sys.executable).parent / "lint-imports", "--no-cache"], cwd=repo_root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout
