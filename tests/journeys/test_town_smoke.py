"""The journeys' town is the demo `make run` serves: every demo persona signs in, every operator has a key."""

from __future__ import annotations

from tests.journeys.conftest import AGENT, ANALYST, HARU, SHIGERU, TRAVEL_DAY, Town


async def test_the_demo_town_is_open_on_a_future_day(town: Town) -> None:
    assert TRAVEL_DAY.weekday() == 1 and town.clock.now().date() == TRAVEL_DAY
    assert set(town.operator_keys) >= {"noriai", "yamabuki-cycle", "yamabuki-kotsu-taxi"}
    for email in (HARU, SHIGERU, AGENT, ANALYST):
        me = await town.client.get("/v1/me", headers=await town.sign_in(email))
        assert me.status == 200, await me.text()
