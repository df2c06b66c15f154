"""Warming up at start: operators that can get ready before the first rider asks (the vans'
dispatch kernels compile on first use, which would eat a quote's time budget)."""

from __future__ import annotations

import logging

from maas.services.offers import OfferService
from routing.pooling.warmup import warm_up


class Ready:
    def __init__(self) -> None:
        self.warmed = 0

    def warm_up(self) -> None:
        self.warmed += 1


class Broken:
    def warm_up(self) -> None:
        raise RuntimeError("no engine here")


class Plain:
    """An operator without the optional capability."""


async def test_operators_that_can_warm_up_do_and_a_failure_is_only_logged(caplog) -> None:
    ready, again = Ready(), Ready()
    service = OfferService({"a": ready, "b": Broken(), "c": Plain(), "d": again})  # type: ignore[dict-item]
    with caplog.at_level(logging.ERROR):
        assert await service.warm_up() == ["a", "d"]
    assert (ready.warmed, again.warmed) == (1, 1)
    assert "b: warm-up failed" in caplog.text


def test_the_pooling_warm_up_inserts_a_ride() -> None:
    assert warm_up() is True


def test_the_van_operator_offers_the_warm_up() -> None:
    from operators.ondemand.adapter import OnDemandAdapter

    assert callable(getattr(OnDemandAdapter, "warm_up", None))
