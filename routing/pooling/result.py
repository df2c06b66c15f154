"""Plans and solver results: routes of timed stops, rejected requests, cost and a summary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stop:
    request: int  # negative for a driver's break: see model.break_visit
    is_pickup: bool
    service_start_s: float  # start of boarding, alighting or the break

    @property
    def is_break(self) -> bool:
        return self.request < 0


@dataclass(frozen=True)
class Route:
    vehicle: int
    stops: tuple[Stop, ...]
    start_s: float = 0.0  # departure from the start depot
    end_s: float = 0.0  # arrival at the end depot

    @property
    def is_empty(self) -> bool:
        return not self.stops


@dataclass(frozen=True)
class Result:
    """A solver's plan, with the cost and violations the independent checker found in it."""

    routes: tuple[Route, ...]
    rejected: tuple[int, ...]
    cost_m: float  # total distance driven, recomputed by the checker
    violations: tuple[str, ...] = ()
    runtime_s: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    def is_feasible(self) -> bool:
        return not self.violations

    @property
    def n_served(self) -> int:
        return sum(stop.is_pickup for route in self.routes for stop in route.stops)

    def summary(self) -> str:
        used = sum(not route.is_empty for route in self.routes)
        lines = [
            f"cost {self.cost_m:.3f} m, {used} of {len(self.routes)} vehicles used, "
            f"{len(self.rejected)} rejected, {'feasible' if self.is_feasible() else 'INFEASIBLE'}, "
            f"{self.runtime_s:.2f} s",
        ]
        lines += [f"  violation: {v}" for v in self.violations[:10]]
        return "\n".join(lines)
