"""Two scenarios side by side: who gains or loses access, and what it costs the town.

`compare_access` takes one percentile of two travel-time matrices over the same origins and
destinations ([origin, destination] seconds, np.inf where unreachable, as
`routing.access.travel_time_matrix(...)[k]` gives them), reduces each origin to its time to the
nearest destination (optionally of a subset), and reports the origins that reach one within the
threshold only after (gained) or only before (lost), counted in residents (the origins'
weights) and in elderly residents (a parallel array, e.g. population_65_plus).
`compare_economics` sums cost and subsidy per scenario and gives the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.access.measures import nearest_time_s
from routing.access.points import Point, PointSet, as_point_set
from routing.scenarios.errors import ScenarioError
from routing.scenarios.performance import RouteEconomics


@dataclass(frozen=True)
class CellChange:
    origin_id: str
    before_s: float  # to the nearest destination; inf when unreachable
    after_s: float
    residents: float
    elderly: float


@dataclass(frozen=True)
class AccessComparison:
    threshold_s: float
    gained: tuple[CellChange, ...]  # reach a destination within the threshold only after
    lost: tuple[CellChange, ...]  # ... only before
    changed: tuple[CellChange, ...]  # every origin whose nearest time changed
    residents_gained: float
    residents_lost: float
    elderly_gained: float
    elderly_lost: float


def compare_access(before: np.ndarray, after: np.ndarray,
                   origins: PointSet | Iterable[Point], threshold_s: float, *,
                   elderly: Sequence[float] | None = None,
                   destination_mask: np.ndarray | None = None) -> AccessComparison:
    origins = as_point_set(origins)
    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != after.shape or before.ndim != 2 or before.shape[0] != len(origins):
        raise ScenarioError("compare [origin, destination] matrices of the same shape, "
                            "one row per origin")
    old = nearest_time_s(before, destination_mask)
    new = nearest_time_s(after, destination_mask)
    aged = np.zeros(len(origins)) if elderly is None else np.asarray(elderly, float)
    if len(aged) != len(origins):
        raise ScenarioError("one elderly count per origin")
    cells = [CellChange(str(origins.ids[i]), float(old[i]), float(new[i]),
                        float(origins.weight[i]), float(aged[i])) for i in range(len(origins))]
    gained = tuple(c for c in cells if c.after_s <= threshold_s < c.before_s)
    lost = tuple(c for c in cells if c.before_s <= threshold_s < c.after_s)
    changed = tuple(c for c in cells if c.before_s != c.after_s)
    return AccessComparison(
        threshold_s=float(threshold_s), gained=gained, lost=lost, changed=changed,
        residents_gained=sum(c.residents for c in gained),
        residents_lost=sum(c.residents for c in lost),
        elderly_gained=sum(c.elderly for c in gained),
        elderly_lost=sum(c.elderly for c in lost))


@dataclass(frozen=True)
class EconomicsComparison:
    cost_before_yen: int
    cost_after_yen: int
    subsidy_before_yen: int
    subsidy_after_yen: int

    @property
    def cost_change_yen(self) -> int:
        return self.cost_after_yen - self.cost_before_yen

    @property
    def subsidy_change_yen(self) -> int:
        return self.subsidy_after_yen - self.subsidy_before_yen


def compare_economics(before: Mapping[str, RouteEconomics],
                      after: Mapping[str, RouteEconomics]) -> EconomicsComparison:
    """Totals over the services of each scenario (routes and on-demand zones by any name)."""
    return EconomicsComparison(
        cost_before_yen=sum(e.operating_cost_yen for e in before.values()),
        cost_after_yen=sum(e.operating_cost_yen for e in after.values()),
        subsidy_before_yen=sum(e.subsidy_yen for e in before.values()),
        subsidy_after_yen=sum(e.subsidy_yen for e in after.values()))
