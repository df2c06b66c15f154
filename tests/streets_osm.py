"""Small OSM XML files for the street tests, drawn in metres east and north of a fixed point."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

LAT0, LON0 = 36.40, 138.90
M_PER_DEG_LAT, M_PER_DEG_LON = 110_966.0, 89_705.0


def lat_lon(x_m: float, y_m: float) -> tuple[float, float]:
    return LAT0 + y_m / M_PER_DEG_LAT, LON0 + x_m / M_PER_DEG_LON


def write_osm(path: Path, nodes: dict[int, tuple[float, float]],
              ways: list[tuple[int, list[int], dict[str, str]]]) -> Path:
    """nodes: id -> (x_m, y_m); ways: (id, node ids, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for node_id, (x, y) in nodes.items():
        lat, lon = lat_lon(x, y)
        lines.append(f'  <node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k={quoteattr(k)} v={quoteattr(v)}/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# A at (0, 0) reaches C at (0, 100) by 100 m of steps or by a 400 m footway round by D and E.
# F -> G is a one-way street; G -> H -> F the long way back. I - J is an island of footway.
TINY_NODES = {1: (0, 0), 2: (0, 100), 3: (150, 0), 4: (150, 100), 5: (300, 0), 6: (300, 200), 7: (600, 100),
              8: (2000, 0), 9: (2100, 0), 10: (0, 50)}
TINY_WAYS = [
    (101, [1, 10, 2], {"highway": "steps"}),
    (102, [1, 3, 4, 2], {"highway": "footway"}),
    (103, [3, 5], {"highway": "footway"}),
    (104, [5, 6], {"highway": "residential", "oneway": "yes"}),
    (105, [6, 7, 5], {"highway": "residential"}),
    (106, [8, 9], {"highway": "footway"}),
    (107, [1, 5], {"highway": "motorway"}),  # nobody walks here, nothing links it for cars either
]


def write_tiny(path: Path) -> Path:
    return write_osm(path, TINY_NODES, TINY_WAYS)
