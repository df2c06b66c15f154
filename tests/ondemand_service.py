"""The demo region's on-demand van service with a fleet of the test's choosing, on a clock the test
moves (tests/unit/test_ondemand_adapter.py, tests/property/test_ondemand_properties.py).
Tuesday 2026-11-24; T0 is 09:00 in Tokyo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from operators.ondemand.adapter import OnDemandAdapter
from operators.ondemand.area import ServiceArea
from operators.ondemand.config import OnDemandConfig
from operators.ondemand.memory import MemoryRideStore
from routing.flex import read_flex
from routing.streets import StreetRouter
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)


def small_service(clock: SteppedClock, seats: int = 2, vans: int = 1, wheelchair_places: int = 1,
                  breaks: bool = False, streets: StreetRouter | None = None, **changes: object) -> OnDemandAdapter:
    """The demo service with a fleet of `vans` vans of `seats` seats and `wheelchair_places`,
    with the demo drivers' lunch break (11:30-13:30 start, one hour at the depot) if `breaks`,
    driving on `streets` when given (straight lines otherwise)."""
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))
    raw["vans"] = [{**raw["vans"][0], "id": f"van-{k}", "seats": seats, "wheelchair_places": wheelchair_places,
                    "breaks": raw["vans"][0]["breaks"] if breaks else []} for k in range(vans)]
    raw.update({"reoptimise_s": 0.0, **changes})
    config = OnDemandConfig.model_validate(raw)
    return OnDemandAdapter(config, ServiceArea(read_flex(DEMO / "flex"), config.zone), MemoryRideStore(), clock, streets)
