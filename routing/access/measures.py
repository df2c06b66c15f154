"""Accessibility measures from one percentile of a travel-time matrix, weighted by population.

Input: seconds [n_origins, n_destinations] (np.inf unreachable), origin weights (residents,
residents over 65) and optionally a mask or weights of destinations. A destination counts as
reached within T when its travel time is <= T. Weights of zero are allowed and simply count
for nothing; the shares divide by the total weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.access.errors import AccessInputError
from routing.access.points import PointSet


def _check(matrix: np.ndarray, origin_weights: np.ndarray | None = None,
           destination_mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    m = np.asarray(matrix, np.float64)
    if m.ndim != 2:
        raise AccessInputError("pass one percentile: a matrix of shape [origins, destinations]")
    if np.isnan(m).any():
        raise AccessInputError("travel times must not be NaN (unreachable is np.inf)")
    mask = np.ones(m.shape[1], np.bool_) if destination_mask is None \
        else np.asarray(destination_mask, np.bool_)
    if mask.shape != (m.shape[1],):
        raise AccessInputError("the destination mask needs one entry per destination")
    if origin_weights is not None:
        w = np.asarray(origin_weights, np.float64)
        if w.shape != (m.shape[0],) or not np.isfinite(w).all() or (w < 0).any():
            raise AccessInputError("origin weights: one finite non-negative number per origin")
    return m, mask


def nearest_time_s(matrix: np.ndarray, destination_mask: np.ndarray | None = None) -> np.ndarray:
    """Per origin, the travel time to the nearest selected destination (np.inf if none)."""
    m, mask = _check(matrix, destination_mask=destination_mask)
    if not mask.any():
        return np.full(m.shape[0], np.inf)
    return m[:, mask].min(axis=1)


def gaps(matrix: np.ndarray, threshold_s: float,
         destination_mask: np.ndarray | None = None) -> np.ndarray:
    """Per origin, True when no selected destination is reached within threshold_s."""
    return ~(nearest_time_s(matrix, destination_mask) <= threshold_s)


def share_within(matrix: np.ndarray, weights: np.ndarray, threshold_s: float,
                 destination_mask: np.ndarray | None = None) -> float:
    """Share of the total weight whose nearest selected destination is within threshold_s."""
    _check(matrix, weights, destination_mask)
    w = np.asarray(weights, np.float64)
    if w.sum() <= 0:
        raise AccessInputError("the origins' total weight is zero")
    return float(w[~gaps(matrix, threshold_s, destination_mask)].sum() / w.sum())


def cumulative_opportunities(matrix: np.ndarray, threshold_s: float,
                             destination_weights: np.ndarray | None = None) -> np.ndarray:
    """Per origin, the number (or total weight) of destinations reached within threshold_s."""
    m, _ = _check(matrix)
    dw = np.ones(m.shape[1]) if destination_weights is None \
        else np.asarray(destination_weights, np.float64)
    if dw.shape != (m.shape[1],):
        raise AccessInputError("destination weights: one per destination")
    return (m <= threshold_s).astype(np.float64) @ dw


@dataclass(frozen=True)
class AccessSummary:
    threshold_s: float
    total_weight: float
    share_within: float  # of the weight, reaching a destination within threshold_s
    mean_time_s: float  # weighted, over origins reaching some destination at all
    worst_time_s: float  # over origins with weight; np.inf when one reaches none
    unreachable_weight: float  # weight reaching no destination at all
    mean_opportunities: float  # weighted mean count of destinations within threshold_s
    gap_ids: tuple[str, ...]  # origins with no destination within threshold_s


def summarize(matrix: np.ndarray, origins: PointSet, destinations: PointSet,
              threshold_s: float, category: str | None = None) -> AccessSummary:
    """Every measure for one destination category (all destinations when None)."""
    mask = np.ones(len(destinations), np.bool_) if category is None \
        else destinations.category == category
    m, mask = _check(matrix, origins.weight, mask)
    if m.shape != (len(origins), len(destinations)):
        raise AccessInputError("the matrix does not match the origins and destinations")
    w = origins.weight
    nearest = nearest_time_s(m, mask)
    reaching = np.isfinite(nearest) & (w > 0)
    weighted = w > 0
    opportunities = cumulative_opportunities(m[:, mask], threshold_s)
    total = float(w.sum())
    return AccessSummary(
        threshold_s=float(threshold_s), total_weight=total,
        share_within=share_within(m, w, threshold_s, mask) if total > 0 else float("nan"),
        mean_time_s=float(np.average(nearest[reaching], weights=w[reaching]))
        if reaching.any() else float("inf"),
        worst_time_s=float(nearest[weighted].max()) if weighted.any() else float("nan"),
        unreachable_weight=float(w[~np.isfinite(nearest)].sum()),
        mean_opportunities=float(np.average(opportunities, weights=w)) if total > 0
        else float("nan"),
        gap_ids=tuple(str(i) for i in origins.ids[gaps(m, threshold_s, mask)]))
