"""An import-linter contract for what the built-in ones cannot say: a submodule of an external package.

grimp folds external packages into their top-level name, so "only maas.api imports aiohttp.web" (while
operators may use aiohttp's client) is checked here by reading each module's import statements.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
from pathlib import Path

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class SubmoduleForbiddenContract(Contract):
    """source_modules may not import forbidden_modules (names or fnmatch patterns), except allowed_sources."""

    type_name = "submodule_forbidden"
    source_modules = fields.ListField(subfield=fields.StringField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())
    allowed_sources = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        violations = []
        for module in sorted(graph.modules):
            if not _within(module, self.source_modules) or _within(module, self.allowed_sources):
                continue
            for imported, line in imports_of(module):
                if any(_matches(imported, pattern) for pattern in self.forbidden_modules):
                    violations.append({"importer": module, "imported": imported, "line": line})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            output.print_error(f"{v['importer']} imports {v['imported']} (l.{v['line']})", bold=False)
            output.new_line()


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _matches(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern) or name.startswith(pattern + ".")


def imports_of(module: str) -> list[tuple[str, int]]:
    """Every module name an import statement in `module` may bind, with its line number."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return []
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found
