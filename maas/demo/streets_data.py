"""The demo town's streets as an OSM file: a grid of streets cut by a river with one bridge.

山吹川 runs north to south at x = 690 m; the only road across it is the 山吹橋 at y = 1750 m, so
the hospital and the supermarket east of the river are a detour from the station side. 山吹駅
(0, 0) is open to the north by its street; from the south (the bus stop and the vans' stop)
a footpath ends in a flight of steps, so a wheelchair goes round the block to the north.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from maas.demo.region_data import lat_of, lon_of

SPACING_M = 125
X_RANGE = range(-30, 31)  # grid columns (x = i * SPACING_M), about ±3.75 km
Y_RANGE = range(-22, 23)  # grid rows, about ±2.75 km
RIVER_X_M = 690
BRIDGE_ROW = 14  # y = 1750 m
STEPS_TOP_M = -40  # the steps climb from y = -40 m to the station at y = 0
MAIN_ROAD_COLUMN, MAIN_ROAD_ROW = 0, 4  # 本町通り (tertiary) and the bridge road's row (tertiary)


def streets_osm() -> str:
    """The OSM XML text, the same every run."""
    nodes: dict[tuple[int, int], int] = {}
    for i in X_RANGE:
        for j in Y_RANGE:
            nodes[(i, j)] = len(nodes) + 1
    steps_foot = len(nodes) + 1
    river_nodes = (steps_foot + 1, steps_foot + 2)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="maas.demo.generate">']
    for (i, j), node_id in nodes.items():
        lines.append(_node(node_id, i * SPACING_M, j * SPACING_M))
    lines.append(_node(steps_foot, 0, STEPS_TOP_M))
    lines.append(_node(river_nodes[0], RIVER_X_M, Y_RANGE.start * SPACING_M))
    lines.append(_node(river_nodes[1], RIVER_X_M, (Y_RANGE.stop - 1) * SPACING_M))
    ways: list[tuple[list[int], dict[str, str]]] = []
    for j in Y_RANGE:  # east-west streets, cut by the river except on the bridge's row
        row = [i for i in X_RANGE]
        for run in _split_row(row, j):
            ways.append(([nodes[(i, j)] for i in run], _street(j == BRIDGE_ROW or j == MAIN_ROAD_ROW)))
    for i in X_RANGE:  # north-south streets; the station's column stops short of it from the south
        column = [j for j in Y_RANGE if not (i == 0 and j == 0)]
        if i == 0:
            south, north = [j for j in column if j < 0], [j for j in column if j > 0]
            ways.append(([nodes[(0, j)] for j in south], _street(True)))
            ways.append(([nodes[(0, 0)]] + [nodes[(0, j)] for j in north], _street(True)))
        else:
            ways.append(([nodes[(i, j)] for j in column], _street(i == MAIN_ROAD_COLUMN)))
    ways.append(([nodes[(0, -1)], steps_foot], {"highway": "footway", "name": "駅南口通路"}))
    ways.append(([steps_foot, nodes[(0, 0)]], {"highway": "steps", "name": "駅南口階段", "incline": "up"}))
    bridge = [nodes[(RIVER_X_M // SPACING_M, BRIDGE_ROW)], nodes[(RIVER_X_M // SPACING_M + 1, BRIDGE_ROW)]]
    ways.append((bridge, {"highway": "tertiary", "bridge": "yes", "layer": "1", "name": "山吹橋"}))
    ways.append((list(river_nodes), {"waterway": "river", "name": "山吹川"}))
    for way_id, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items())]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _node(node_id: int, x_m: float, y_m: float) -> str:
    return f'  <node id="{node_id}" version="1" lat="{lat_of(y_m):.6f}" lon="{lon_of(x_m):.6f}"/>'


def _street(main: bool) -> dict[str, str]:
    return {"highway": "tertiary" if main else "residential"}


def _split_row(row: list[int], j: int) -> list[list[int]]:
    """The row's columns as runs that do not cross the river (the bridge is its own way);
    the station's row is also cut at the station, which only its north street and steps reach."""
    west = [i for i in row if i * SPACING_M < RIVER_X_M]
    east = [i for i in row if i * SPACING_M > RIVER_X_M]
    runs = [west, east]
    if j == 0:
        runs = [[i for i in west if i < 0], [i for i in west if i > 0], east]
    return [run for run in runs if len(run) >= 2]
