"""Operator adapters as plug-ins: found through the `maas.operators` entry-point group, enabled
only by the operators configuration file, and checked against the contract at startup.

The configuration (`MAAS_OPERATORS_CONFIG`) is JSON: `{"operators": [{"id": ..., "adapter":
<entry-point name>, "options": {...}}]}`; relative paths in options are resolved by each
adapter against `AdapterContext.base_dir` (the file's folder). An entry point names a factory
`create(context) -> OperatorAdapter`. A missing adapter, a factory that fails or an object that
does not satisfy `OperatorAdapter` stops startup with an error naming the operator.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from maas.domain.ports import AdapterContext, Clock, OperatorAdapter

ENTRY_POINT_GROUP = "maas.operators"
CONTRACT_METHODS = ("search_offers", "book", "confirm", "cancel", "get_booking",
                    "receive_event", "aclose")


class OperatorConfigError(ValueError):
    """The operators configuration cannot be used; the message names the operator."""


class OperatorEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    adapter: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)
    # Where riders' money for this operator's legs is sent at settlement (a Stripe connected
    # account, acct_...); without one the operator is settled by invoice from the ledger.
    payout_account: str | None = Field(default=None, min_length=1, max_length=100)


class OperatorsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    operators: tuple[OperatorEntry, ...] = ()


def load_operators_config(path: Path) -> OperatorsConfig:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        config = OperatorsConfig.model_validate(document)
    except (OSError, ValueError, ValidationError) as exc:
        raise OperatorConfigError(f"operators configuration {path}: {exc}") from exc
    ids = [entry.id for entry in config.operators]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise OperatorConfigError(f"operators configuration {path}: operator {duplicates[0]} "
                                  "is listed twice")
    return config


def installed_adapters() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def check_contract(operator_id: str, adapter: object) -> OperatorAdapter:
    """The adapter itself, or OperatorConfigError naming the operator and what is missing."""
    missing = [name for name in CONTRACT_METHODS
               if not inspect.iscoroutinefunction(getattr(adapter, name, None))]
    if missing:
        raise OperatorConfigError(f"operator {operator_id}: the adapter does not satisfy the "
                                  f"operator contract (missing async {', '.join(missing)})")
    if getattr(adapter, "operator_id", None) != operator_id:
        raise OperatorConfigError(f"operator {operator_id}: the adapter calls itself "
                                  f"{getattr(adapter, 'operator_id', None)!r}")
    assert isinstance(adapter, OperatorAdapter)
    return adapter


def build_adapters(config: OperatorsConfig, base_dir: Path, clock: Clock, *,
                   available: Mapping[str, EntryPoint | Callable[[AdapterContext], object]]
                   | None = None,
                   extras: Mapping[str, Any] | None = None) -> dict[str, OperatorAdapter]:
    """Adapters of the enabled operators, by operator id; `available` replaces discovery in
    tests (entry points or factories by adapter name)."""
    found = installed_adapters() if available is None else dict(available)
    adapters: dict[str, OperatorAdapter] = {}
    for entry in config.operators:
        source = found.get(entry.adapter)
        if source is None:
            names = ", ".join(sorted(found)) or "none"
            raise OperatorConfigError(f"operator {entry.id}: no adapter {entry.adapter!r} in the "
                                      f"{ENTRY_POINT_GROUP} entry points (installed: {names})")
        context = AdapterContext(entry.id, entry.options, base_dir, clock, extras or {})
        try:
            factory = source.load() if isinstance(source, EntryPoint) else source
            adapter = factory(context)
        except OperatorConfigError:
            raise
        except Exception as exc:
            raise OperatorConfigError(f"operator {entry.id}: adapter {entry.adapter!r} failed to "
                                      f"start: {type(exc).__name__}: {exc}") from exc
        adapters[entry.id] = check_contract(entry.id, adapter)
    return adapters
