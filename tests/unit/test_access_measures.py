"""Accessibility measures on a 4 x 3 matrix small enough to check by hand.

Origins o0..o3 with weights 10, 20, 30, 40 (residents over 65); destinations two hospitals
and a shop. Travel times in minutes (inf = unreachable):
        h1   h2   shop
  o0    10   40   inf
  o1    35   25    5
  o2   inf  inf   50
  o3    20  inf  inf
Nearest hospital: 10, 25, inf, 20.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing.access import (AccessInputError, PointSet, cumulative_opportunities, gaps,
                            nearest_time_s, share_within, summarize)

INF = np.inf
MATRIX = np.array([[10, 40, INF], [35, 25, 5], [INF, INF, 50], [20, INF, INF]]) * 60
WEIGHTS = np.array([10.0, 20.0, 30.0, 40.0])
HOSPITAL = np.array([True, True, False])
ORIGINS = PointSet.from_arrays(["o0", "o1", "o2", "o3"], [35.0] * 4, [139.0] * 4, WEIGHTS)
DESTINATIONS = PointSet.from_arrays(["h1", "h2", "shop"], [35.0] * 3, [139.0] * 3,
                                    category=["hospital", "hospital", "shop"])


def test_nearest_and_gaps():
    assert (nearest_time_s(MATRIX, HOSPITAL) / 60).tolist() == [10, 25, INF, 20]
    assert gaps(MATRIX, 30 * 60, HOSPITAL).tolist() == [False, False, True, False]
    assert gaps(MATRIX, 20 * 60, HOSPITAL).tolist() == [False, True, True, False]  # 20 <= 20
    assert gaps(MATRIX, 20 * 60).tolist() == [False, False, True, False]  # o1 has the shop


def test_share_of_weight_within_threshold():
    assert share_within(MATRIX, WEIGHTS, 30 * 60, HOSPITAL) == pytest.approx(0.7)
    assert share_within(MATRIX, WEIGHTS, 20 * 60, HOSPITAL) == pytest.approx(0.5)
    assert share_within(MATRIX, WEIGHTS, 60 * 60) == pytest.approx(1.0)
    with pytest.raises(AccessInputError):
        share_within(MATRIX, np.zeros(4), 60)


def test_cumulative_opportunities_counted_and_weighted():
    assert cumulative_opportunities(MATRIX, 30 * 60).tolist() == [1, 2, 0, 1]
    assert cumulative_opportunities(MATRIX, 40 * 60).tolist() == [2, 3, 0, 1]
    beds = np.array([100.0, 50.0, 0.0])
    assert cumulative_opportunities(MATRIX, 40 * 60, beds).tolist() == [150, 150, 0, 100]


def test_summary_for_hospitals():
    s = summarize(MATRIX, ORIGINS, DESTINATIONS, 30 * 60, category="hospital")
    assert s.total_weight == 100 and s.share_within == pytest.approx(0.7)
    # (10 x 10 + 20 x 25 + 40 x 20) / 70 = 20 minutes, over the origins that reach one at all.
    assert s.mean_time_s == pytest.approx(20 * 60)
    assert s.worst_time_s == INF and s.unreachable_weight == 30
    assert s.mean_opportunities == pytest.approx(0.7)  # (10 + 20 + 0 + 40) / 100
    assert s.gap_ids == ("o2",)


def test_zero_weight_origins_count_for_nothing():
    empty_o2 = PointSet.from_arrays(ORIGINS.ids, ORIGINS.lat, ORIGINS.lon, [10, 20, 0, 40])
    s = summarize(MATRIX, empty_o2, DESTINATIONS, 30 * 60, category="hospital")
    assert s.share_within == pytest.approx(1.0) and s.worst_time_s == 25 * 60
    assert s.unreachable_weight == 0 and s.gap_ids == ("o2",)  # still a gap on the map


def test_rejects_malformed_input():
    with pytest.raises(AccessInputError):
        nearest_time_s(MATRIX[None])  # all percentiles at once
    with pytest.raises(AccessInputError):
        share_within(MATRIX, WEIGHTS[:3], 60)
    with pytest.raises(AccessInputError):
        gaps(np.where(np.isinf(MATRIX), np.nan, MATRIX), 60)
    with pytest.raises(AccessInputError):
        summarize(MATRIX[:3], ORIGINS, DESTINATIONS, 60)
