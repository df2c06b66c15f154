"""The map layer both report kinds draw: cells coloured by travel time, cells with residents and nothing
reached in grey, cells where nobody lives hatched white (so "not reached" never looks like "empty")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure


def marker_size(n_cells: int) -> int:
    """Square markers that roughly tile the map, whatever the number of cells."""
    return 90 if n_cells <= 300 else max(4, 27000 // max(1, n_cells))


def travel_time_layer(figure: Figure, ax: Any, lon: Sequence[float], lat: Sequence[float],
                      seconds: Sequence[float | None], *, limit_min: int, percentile: int, size: int,
                      population: Sequence[float] | None = None) -> None:
    lived = [True] * len(seconds) if population is None else [p > 0 for p in population]
    empty = [i for i in range(len(seconds)) if not lived[i]]
    reached = [i for i, t in enumerate(seconds) if t is not None and lived[i]]
    missing = [i for i, t in enumerate(seconds) if t is None and lived[i]]
    if empty:
        ax.scatter([lon[i] for i in empty], [lat[i] for i in empty], c="white", edgecolors="#bbbbbb", hatch="////",
                   marker="s", s=size, linewidths=0.4, label="no residents")
    points = ax.scatter([lon[i] for i in reached], [lat[i] for i in reached],
                        c=[min(seconds[i] / 60, limit_min) for i in reached],  # type: ignore[operator]
                        cmap="viridis_r", vmin=0, vmax=limit_min, marker="s", s=size)
    if missing:
        ax.scatter([lon[i] for i in missing], [lat[i] for i in missing], c="lightgrey", marker="s", s=size,
                   label="residents, not reached")
    figure.colorbar(points, ax=ax, shrink=0.8, label=f"minutes (p{percentile}, capped at {limit_min})")
