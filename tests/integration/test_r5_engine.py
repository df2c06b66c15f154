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


def test_the_r5_adapter_asks_r5py_for_what_the_analysis_wants(tmp_path: Path, monkeypatch) -> None:
    """Without Java: a stand-in r5py module records the calls r5py 1.x would get and answers in its
    shape (percentile columns travel_time_pNN, minutes, NaN when unreachable)."""
    import sys
    import types

    import pandas

    from routing.plan import FeedSource

    calls: dict[str, object] = {}

    class TransportNetwork:
        def __init__(self, osm, gtfs):
            calls["network"] = (osm, list(gtfs))

    def travel_time_matrix(network, origins, destinations, **options):
        calls["options"], calls["origins"] = options, list(origins["id"])
        return pandas.DataFrame({"from_id": ["a", "a", "b", "b"], "to_id": ["h", "s", "h", "s"],
                                 "travel_time_p05": [3.0, 10.0, 20.0, float("nan")],
                                 "travel_time_p50": [4.0, 12.0, 25.0, float("nan")]})

    fake = types.ModuleType("r5py")
    fake.TransportNetwork = TransportNetwork
    fake.TravelTimeMatrix = travel_time_matrix
    fake.TransportMode = types.SimpleNamespace(TRANSIT="TRANSIT", WALK="WALK")
    monkeypatch.setitem(sys.modules, "r5py", fake)
    jar, osm = tmp_path / "r5-all.jar", tmp_path / "town.osm.pbf"
    jar.write_bytes(b"jar")
    osm.write_bytes(b"pbf")
    engine = R5AccessibilityEngine(jar, osm, lambda: [FeedSource(DEMO / "gtfs", "d1gest")], tmp_path / "r5",
                                   origins_from=None)  # type: ignore[arg-type]
    request = MatrixRequest(origins=[OriginPoint("a", 36.41, 138.91, 1, 1), OriginPoint("b", 36.42, 138.87, 1, 1)],
                            destinations=[Destination("h", 36.412526, 138.91438, "hospital"),
                                          Destination("s", 36.405768, 138.911594, "supermarket")],
                            date=dt.date(2026, 11, 24), start=dt.time(8, 0), window_min=60, step_min=1,
                            percentiles=[5, 50], max_walk_m=900, max_travel_min=90)
    p05, p50 = engine.travel_times(request, lambda fraction, message: None)
    assert p05 == [[180.0, 600.0], [1200.0, float("inf")]] and p50 == [[240.0, 720.0], [1500.0, float("inf")]]
    osm_given, (gtfs_zip,) = calls["network"]
    assert osm_given == str(osm) and gtfs_zip.endswith(".zip")  # the demo's folder feed, zipped for R5
    options = calls["options"]
    assert options["departure"] == dt.datetime(2026, 11, 24, 8, 0)
    assert options["departure_time_window"] == dt.timedelta(minutes=60) and options["percentiles"] == [5, 50]
    assert options["max_time"] == dt.timedelta(minutes=90) and options["transport_modes"] == ["TRANSIT", "WALK"]
    assert options["speed_walking"] == pytest.approx(request.walk_speed_mps * 3.6)
    assert calls["origins"] == ["a", "b"]
