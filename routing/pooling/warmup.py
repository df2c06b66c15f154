"""Compile the dispatch kernels once, on a two-place instance, so that a server's first quote is
answered within an operator's time budget instead of spending it in numba's compiler."""

from __future__ import annotations

import numpy as np

from routing.pooling.dispatch import insert_request
from routing.pooling.model import PoolingProblem, Request, Vehicle
from routing.pooling.travel import TravelMatrix


def warm_up() -> bool:
    """Runs one insertion; True when the van took the ride (it always should)."""
    gap = np.array([[0.0, 60.0], [60.0, 0.0]])
    problem = PoolingProblem((Request(0, 1),), (Vehicle(start_place=0, end_place=0, shift_s=(0, 3600), seats=1),),
                             TravelMatrix(duration_s=gap, distance_m=gap))
    return insert_request(problem, [[]], 0) is not None
