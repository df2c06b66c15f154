"""Operator adapters are enabled by configuration and checked against the contract at start."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.plugins import (ENTRY_POINT_GROUP, OperatorConfigError, build_adapters,
                          installed_adapters, load_operators_config)
from tests.fakes import MemoryOperator, SteppedClock


def clock() -> SteppedClock:
    return SteppedClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))


def write_config(tmp_path: Path, operators: list[dict]) -> Path:
    path = tmp_path / "operators.json"
    path.write_text(json.dumps({"operators": operators}), encoding="utf-8")
    return path


def memory_factory(context):
    adapter = MemoryOperator(clock())
    adapter.operator_id = context.operator_id
    return adapter


def test_enabled_operators_are_built_by_their_factories(tmp_path) -> None:
    config = load_operators_config(write_config(tmp_path, [
        {"id": "memory-a", "adapter": "memory"}, {"id": "memory-b", "adapter": "memory",
                                                  "options": {"fleet": 3}}]))
    adapters = build_adapters(config, tmp_path, clock(), available={"memory": memory_factory})
    assert sorted(adapters) == ["memory-a", "memory-b"]
    assert adapters["memory-b"].operator_id == "memory-b"


def test_nothing_is_enabled_without_configuration(tmp_path) -> None:
    config = load_operators_config(write_config(tmp_path, []))
    assert build_adapters(config, tmp_path, clock(), available={"memory": memory_factory}) == {}


@pytest.mark.parametrize(("factory", "message"), [
    (lambda ctx: object(), "operator broken: the adapter does not satisfy the operator contract"),
    (lambda ctx: (_ for _ in ()).throw(RuntimeError("no tariff")), "operator broken: adapter"),
    (lambda ctx: MemoryOperator(clock()), "operator broken: the adapter calls itself 'memory'"),
])
def test_a_bad_adapter_stops_startup_naming_the_operator(tmp_path, factory, message) -> None:
    config = load_operators_config(write_config(tmp_path, [{"id": "broken", "adapter": "x"}]))
    with pytest.raises(OperatorConfigError, match=message):
        build_adapters(config, tmp_path, clock(), available={"x": factory})


def test_an_unknown_adapter_name_is_named(tmp_path) -> None:
    config = load_operators_config(write_config(tmp_path, [{"id": "taxi-1", "adapter": "nope"}]))
    with pytest.raises(OperatorConfigError, match="operator taxi-1: no adapter 'nope'"):
        build_adapters(config, tmp_path, clock(), available={})


@pytest.mark.parametrize("document", [
    "{not json", json.dumps({"operators": [{"id": "A B", "adapter": "x"}]}),
    json.dumps({"operators": [{"id": "a", "adapter": "x"}, {"id": "a", "adapter": "y"}]}),
    json.dumps({"operators": [{"id": "a", "adapter": "x", "extra": 1}]}),
])
def test_malformed_configuration_is_refused(tmp_path, document) -> None:
    path = tmp_path / "operators.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(OperatorConfigError, match="operators configuration"):
        load_operators_config(path)


def test_discovery_reads_the_entry_point_group() -> None:
    found = installed_adapters()
    assert all(ep.group == ENTRY_POINT_GROUP for ep in found.values())
