"""The whole-trip tests' world: the demo region on Tuesday 2026-11-24 from 08:00 in Tokyo, paid
through localstripe (the `stripe_town` and `stripe_app` fixtures in tests/e2e/conftest.py), its
places, and the steps the tests take through the API (signing up, the morning's bike and bus, a van quote)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maas.domain.accounts import NewAccount, Role
from tests.e2e.demo_bookings import SYSTEM, TOKYO
from tests.fakes import verify_all_claims

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
PASSWORD = "correct horse battery"
MORNING = dt.datetime(2026, 11, 24, 8, 0, tzinfo=TOKYO)  # a Tuesday
TOWN_HALL = {"lat": 36.40605, "lon": 138.89480}  # beside bike station 山吹町役場
STATION = {"lat": 36.3994, "lon": 138.9006}  # 山吹駅前
HOSPITAL = {"lat": 36.412526, "lon": 138.91438}
HINOKISAWA = {"lat": 36.4225, "lon": 138.8745}  # her daughter's house up the valley
PERIOD = "from=2026-11-24T00:00:00%2B09:00&to=2026-11-25T00:00:00%2B09:00"


async def sign_up(town, email: str, *, role: Role = Role.RIDER, **extra) -> dict[str, str]:
    account = await town["container"].auth.register(NewAccount(email=email, display_name=email.split("@")[0],
                                                               role=role, password=PASSWORD, **extra), by=SYSTEM)
    await verify_all_claims(town["container"], account.id)  # the town hall saw their card
    token = (await (await town["client"].post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())
    return {"Authorization": f"Bearer {token['token']}"}


async def plan_bike_and_bus(town) -> tuple[dict, dict]:
    """The app plans the morning in two steps: a shared bike from the town hall to the station,
    then the loop bus from 山吹駅前 to the hospital (a plan gives the bus ride an offer to book)."""
    client = town["client"]
    response = await client.post("/v1/plan/door-to-door", headers=town["haru"], json={
        "from": TOWN_HALL, "to": STATION, "depart_at": "2026-11-24T08:05:00+09:00", "modes": ["bike"]})
    assert response.status == 200, await response.text()
    bike = next(leg for o in (await response.json())["options"] for leg in o["legs"] if leg["mode"] == "bike")
    response = await client.post("/v1/plan", headers=town["haru"], json={
        "from": {"stop_id": "B01"}, "to": {"stop_id": "B04"}, "depart_at": "2026-11-24T08:15:00+09:00"})
    assert response.status == 200, await response.text()
    itinerary = (await response.json())["itineraries"][0]
    (bus,) = [leg for leg in itinerary["legs"] if leg["mode"] == "transit"]
    return bike, bus


async def van_quote(town, depart_at: str) -> dict:
    response = await town["client"].post("/v1/on-demand/noriai/quotes", headers=town["haru"], json={
        "origin": HOSPITAL, "destination": HINOKISAWA, "depart_at": depart_at})
    assert response.status == 200, await response.text()
    return await response.json()
