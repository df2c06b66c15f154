"""docs/architecture.md names what the code has: every route module and every import contract."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO_ROOT

ARCHITECTURE = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_route_module_is_listed() -> None:
    listed = re.search(r"routes/\s+one module per resource: ([^\n]+(?:\n\s{20,}[^\n]+)*)", ARCHITECTURE)
    assert listed, "docs/architecture.md lost its routes/ line"
    names = {n.strip() for n in listed.group(1).replace("\n", " ").split(",")}
    modules = {p.stem for p in (REPO_ROOT / "maas" / "api" / "routes").glob("*.py") if p.stem != "__init__"}
    assert names == modules, f"listed but missing: {names - modules}; missing from the docs: {modules - names}"


def test_every_import_contract_is_listed_and_counted() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = [c["name"] for c in config["tool"]["importlinter"]["contracts"]]
    missing = [name for name in contracts if f"- {name}" not in ARCHITECTURE]
    assert not missing, f"contracts not named in docs/architecture.md: {missing}"
    words = {8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
    assert f"holds {words.get(len(contracts), len(contracts))} import-linter contracts" in ARCHITECTURE
