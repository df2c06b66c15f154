"""Reader for Cordeau's dial-a-ride instances (Cordeau 2006 a/b, Cordeau and Laporte 2003 pr).

Node ids: 0 is the start depot, 1..n the pickups, n+i the drop-off of request i and 2n+1 the end
depot (the pr files have no 2n+1 line: node 0 is both). Coordinates are Euclidean; travel time
equals distance, unrounded. We read one coordinate unit as 1000 m driven at 1000 m per minute
(60 km/h) and minutes as 60 s, so the problem's integer windows stay exact and the instance's
cost is `cost_m / METRES_PER_UNIT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.pooling.model import PoolingProblem, Request, Vehicle
from routing.pooling.travel import TravelMatrix

METRES_PER_UNIT = 1000.0
SECONDS_PER_MINUTE = 60


@dataclass(frozen=True, eq=False)
class CordeauInstance:
    name: str
    problem: PoolingProblem
    n_requests: int

    def node_ids(self, request: int) -> tuple[int, int]:
        """Cordeau's (pickup, drop-off) node ids of a request index."""
        return request + 1, request + 1 + self.n_requests


def read_cordeau(path: Path | str) -> CordeauInstance:
    path = Path(path)
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    k, second, horizon, capacity, max_ride = (float(v) for v in lines[0])
    rows = np.array([[float(v) for v in line[:7]] for line in lines[1:]])
    # a/b files list 2n+2 nodes with n in the header; pr files 2n+1 nodes with 2n in the header.
    n = int(second) if len(rows) == 2 * int(second) + 2 else int(second) // 2
    if len(rows) not in (2 * n + 1, 2 * n + 2):
        raise ValueError(f"{path.name}: {len(rows)} nodes do not match {n} requests")
    xy = rows[:, 1:3]
    euclid = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    travel = TravelMatrix(duration_s=euclid * SECONDS_PER_MINUTE, distance_m=euclid * METRES_PER_UNIT)
    end = 2 * n + 1 if len(rows) == 2 * n + 2 else 0
    minutes = lambda v: int(round(v * SECONDS_PER_MINUTE))  # noqa: E731 - windows are whole minutes
    requests = tuple(
        Request(
            pickup_place=i, dropoff_place=n + i,
            pickup_window_s=(minutes(rows[i, 5]), minutes(rows[i, 6])),
            dropoff_window_s=(minutes(rows[n + i, 5]), minutes(rows[n + i, 6])),
            party_size=int(rows[i, 4]),
            boarding_s=minutes(rows[i, 3]), alighting_s=minutes(rows[n + i, 3]),
            max_ride_s=minutes(max_ride),
        )
        for i in range(1, n + 1)
    )
    shift = (minutes(max(rows[0, 5], rows[end, 5])), minutes(min(rows[0, 6], rows[end, 6])))
    vehicles = tuple(
        Vehicle(start_place=0, end_place=end, shift_s=shift, seats=int(capacity),
                max_duration_s=minutes(horizon))
        for _ in range(int(k))
    )
    return CordeauInstance(path.stem, PoolingProblem(requests, vehicles, travel), n)


def read_reference_costs(bks_csv: Path | str) -> dict[str, float]:
    """instance name -> best-known (or optimal) cost from the corpus's bks.csv."""
    import csv

    with open(bks_csv, newline="") as handle:
        return {row["instance"]: float(row["best_known_cost"]) for row in csv.DictReader(handle)}
