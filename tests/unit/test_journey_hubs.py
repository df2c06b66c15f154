"""Hubs for first and last miles in the demo town: 山吹駅, where the bus loop meets the railway
(and the one station inside the van's zone), ranks before the halts on the same line, and the
bus stop in front of it is the same interchange, not a second hub."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from maas.routing_adapter.planner import RaptorJourneyPlanner
from routing.gtfs import feed_digest
from routing.plan import FeedSource

GTFS = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region" / "gtfs"
MORNING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # a Tuesday


def test_the_interchange_is_the_first_hub_and_counts_once(tmp_path) -> None:
    source = FeedSource(GTFS, feed_digest(GTFS))
    planner = RaptorJourneyPlanner(lambda: [source], tmp_path)
    for lat, lon, second in ((36.4225, 138.8745, "奥山吹駅"),  # up the valley, by the end of the line
                             (36.419916, 138.883501, "上山吹駅"),
                             (36.412526, 138.91438, "山吹高校前駅")):  # the hospital
        hubs = planner.hubs(lat, lon, MORNING, radius_m=8000, limit=2)
        assert [h.name for h in hubs] == ["山吹駅", second]
    (only,) = planner.hubs(36.3994, 138.9006, MORNING, radius_m=400, limit=3)  # 山吹駅前 is the same place
    assert only.name == "山吹駅" and only.stop_id is not None
