"""The optional R5 accessibility engine (MAAS_ACCESS_ENGINE=r5): clear configuration errors always;
a real matrix over the demo region only where R5's jar, an OSM extract and r5py are available."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path

import pytest

from maas.bootstrap import build_accessibility_engine
from maas.domain.analyses import Destination, MatrixRequest, OriginPoint, PopulationOrigins
from maas.routing_adapter.r5 import R5AccessibilityEngine, R5ConfigError
from maas.settings import SettingsError, load_settings

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"


def test_choosing_r5_without_its_jar_is_a_configuration_error() -> None:
    with pytest.raises(SettingsError, match="MAAS_R5_JAR"):
        load_settings({"MAAS_ACCESS_ENGINE": "r5"})


def test_a_configured_jar_that_is_not_there_is_named(tmp_path: Path) -> None:
    settings = load_settings({"MAAS_ACCESS_ENGINE": "r5", "MAAS_R5_JAR": str(tmp_path / "r5-all.jar"),
                              "MAAS_R5_OSM": str(tmp_path / "town.osm.pbf")}, data_dir=tmp_path)
    with pytest.raises(R5ConfigError, match="MAAS_R5_JAR: no file at"):
        build_accessibility_engine(settings, journey_planner=None)  # type: ignore[arg-type]


def _r5_missing() -> str | None:
    if not os.environ.get("MAAS_R5_JAR") or not os.environ.get("MAAS_R5_OSM"):
        return "set MAAS_R5_JAR (R5's r5-all.jar) and MAAS_R5_OSM (an .osm.pbf of the demo area) to run R5"
    if importlib.util.find_spec("r5py") is None:
        return "r5py is not installed (pip install -e .[r5])"
    return None


@pytest.mark.skipif(_r5_missing() is not None, reason=str(_r5_missing()))
def test_r5_walks_to_the_hospital_from_the_next_cell(tmp_path: Path) -> None:
    settings = load_settings({}, access_engine="r5", r5_jar=os.environ["MAAS_R5_JAR"],
                             r5_osm=os.environ["MAAS_R5_OSM"], data_dir=tmp_path)
    engine = build_accessibility_engine(settings, journey_planner=None)  # type: ignore[arg-type]
    assert isinstance(engine, R5AccessibilityEngine)
    origins = [o for o in engine.origins(PopulationOrigins()) if o.id == "543847911"] or \
        [OriginPoint("near", 36.410417, 138.915625, 1, 1)]
    request = MatrixRequest(origins=origins, destinations=[Destination("h", 36.412526, 138.91438, "hospital")],
                            date=dt.date(2026, 11, 24), start=dt.time(8, 0), window_min=10, step_min=1,
                            percentiles=[50], max_walk_m=1000, max_travel_min=60)
    (times,) = engine.travel_times(request, lambda fraction, message: None)[0]
    assert 60 < times[0] < 15 * 60  # a few hundred metres on the streets
