"""The map layer both report kinds draw: cells coloured by travel time, unreached cells in grey."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure


def marker_size(n_cells: int) -> int:
    """Square markers that roughly tile the map, whatever the number of cells."""
    return 90 if n_cells <= 300 else max(4, 27000 // max(1, n_cells))


def travel_time_layer(figure: Figure, ax: Any, lon: Sequence[float], lat: Sequence[float],
                      seconds: Sequence[float | None], *, limit_min: int, percentile: int, size: int) -> None:
    reached = [i for i, t in enumerate(seconds) if t is not None]
    missing = [i for i, t in enumerate(seconds) if t is None]
    points = ax.scatter([lon[i] for i in reached], [lat[i] for i in reached],
                        c=[min(seconds[i] / 60, limit_min) for i in reached],  # type: ignore[operator]
                        cmap="viridis_r", vmin=0, vmax=limit_min, marker="s", s=size)
    if missing:
        ax.scatter([lon[i] for i in missing], [lat[i] for i in missing], c="lightgrey", marker="s", s=size,
                   label="not reached")
    figure.colorbar(points, ax=ax, shrink=0.8, label=f"minutes (p{percentile}, capped at {limit_min})")
