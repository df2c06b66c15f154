"""Reading the highways of an .osm.pbf or .osm file with pyosmium into flat arrays.

Each way becomes one or more pieces: runs of nodes whose locations the file holds (an extract
clipped at its edge drops the rest). A piece's costs per profile come from its way's tags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium

from routing.streets.errors import UnreadableOsm
from routing.streets.profiles import PROFILES, TAG_KEYS, StreetParams, way_costs


@dataclass(frozen=True)
class RawWays:
    node_id: npt.NDArray[np.int64]  # per position, the OSM node id
    lat: npt.NDArray[np.float64]  # per position
    lon: npt.NDArray[np.float64]
    piece_start: npt.NDArray[np.int64]  # [pieces + 1] offsets into the positions
    piece_costs: npt.NDArray[np.float64]  # [pieces, profiles, 3]: s/m forward, s/m backward, penalty s
    piece_way: npt.NDArray[np.int64]  # the OSM way id of each piece


def read_ways(path: str | os.PathLike[str], params: StreetParams) -> RawWays:
    """The highway pieces of an OSM file; UnreadableOsm when there is nothing to route on."""
    file = Path(path)
    if not file.is_file() or file.stat().st_size == 0:
        raise UnreadableOsm(f"{file}: no such OSM file, or it is empty")
    node_ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    starts: list[int] = [0]
    costs: list[tuple[tuple[float, float, float], ...]] = []
    way_ids: list[int] = []
    try:
        processor = (osmium.FileProcessor(str(file))
                     .with_locations()
                     .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                     .with_filter(osmium.filter.KeyFilter("highway")))
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = {key: way.tags[key] for key in TAG_KEYS if key in way.tags}
            if tags.get("area") == "yes":
                continue  # a pedestrian square's outline is not a path along its edge
            way_cost = way_costs(tags, params)
            if all(c[0] == np.inf and c[1] == np.inf for c in way_cost):
                continue
            run = 0
            for ref in way.nodes:
                location = ref.location
                if not location.valid():
                    run = _close_run(run, starts, node_ids, lats, lons, costs, way_ids, way_cost, way.id)
                    continue
                node_ids.append(ref.ref)
                lats.append(location.lat)
                lons.append(location.lon)
                run += 1
            _close_run(run, starts, node_ids, lats, lons, costs, way_ids, way_cost, way.id)
    except (RuntimeError, ValueError, OSError) as error:
        raise UnreadableOsm(f"{file}: not a readable OSM file ({error})") from error
    if not costs:
        raise UnreadableOsm(f"{file}: holds no highway usable by any profile")
    return RawWays(node_id=np.asarray(node_ids, dtype=np.int64), lat=np.asarray(lats, dtype=np.float64),
                   lon=np.asarray(lons, dtype=np.float64), piece_start=np.asarray(starts, dtype=np.int64),
                   piece_costs=np.asarray(costs, dtype=np.float64).reshape(len(costs), len(PROFILES), 3),
                   piece_way=np.asarray(way_ids, dtype=np.int64))


def _close_run(run: int, starts: list[int], node_ids: list[int], lats: list[float], lons: list[float],
               costs: list[tuple[tuple[float, float, float], ...]], way_ids: list[int],
               way_cost: tuple[tuple[float, float, float], ...], way_id: int) -> int:
    """End the current run of located nodes: keep it as a piece if it has a segment, else drop it."""
    if run >= 2:
        starts.append(len(node_ids))
        costs.append(way_cost)
        way_ids.append(way_id)
    elif run == 1:
        del node_ids[-1], lats[-1], lons[-1]
    return 0
