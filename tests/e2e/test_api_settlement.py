"""From booking to settlement in the demo region: an elderly resident books the van and a
shuttle ride home as one booking, the town's fare rules lower their share, the driver reports
the ride, the final amount is taken, and the operators' statements and the town's subsidy
statement add up to the money that moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint, NewAccount, Role
from maas.domain.mobility import OfferQuery, TripEvent, TripEventKind
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from maas.storage import migrate
from payments.on_board import OnBoardGateway
from tests.e2e.test_api_bookings import HOME, HOSPITAL, NOW, SYSTEM, TOKYO, Clock, Shuttle

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
PASSWORD = "correct horse battery"
PERIOD = "from=2026-11-24T00:00:00%2B09:00&to=2026-11-25T00:00:00%2B09:00"


@pytest.fixture
async def town(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json")
    clock = Clock()
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    shuttle = Shuttle(clock)
    payments = OnBoardGateway(now=clock.now)
    container = build_container(settings, hasher=fast_hasher, clock=clock,
                                operator_adapters={**adapters, "shuttle": shuttle}, payments=payments,
                                payout_accounts={"noriai": "acct_noriai", "shuttle": "acct_shuttle"})
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))

    async def sign_in(email: str, role: Role, **extra) -> dict[str, str]:
        await container.auth.register(NewAccount(email=email, display_name=email.split("@")[0], role=role,
                                                 password=PASSWORD, **extra), by=SYSTEM)
        token = (await (await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())["token"]
        return {"Authorization": f"Bearer {token}"}

    await container.operators.register(operator_id="noriai", name="のりあい号", name_en="Noriai", mode="shuttle",
                                       kind="on-demand")
    driver = {"Authorization": f"Bearer {(await container.auth.issue_api_key('noriai', 'tablet')).secret}"}
    haru = await sign_in("haru@example.jp", Role.RIDER, birth_date=dt.date(1941, 5, 12), resident=True)
    analyst = await sign_in("town-hall@example.jp", Role.ANALYST)
    return {"client": client, "clock": clock, "container": container, "shuttle": shuttle, "payments": payments,
            "haru": haru, "driver": driver, "analyst": analyst}


async def book_trip(town, key: str) -> dict:
    client = town["client"]
    van = await (await client.post("/v1/on-demand/noriai/quotes", headers=town["haru"], json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00"})).json()
    query = OfferQuery(origin=GeoPoint(**HOSPITAL), destination=GeoPoint(**HOME),
                       depart_at=dt.datetime(2026, 11, 24, 12, 0, tzinfo=TOKYO))
    shuttle = (await town["container"].offers.search(query, operator_ids=["shuttle"])).offers[0]
    response = await client.post("/v1/bookings", json={"offer_ids": [van["offer_id"], shuttle.id]},
                                 headers={**town["haru"], "Idempotency-Key": key})
    assert response.status == 201, await response.text()
    return await response.json()


async def test_the_money_adds_up(town) -> None:
    client, container = town["client"], town["container"]
    booking = await book_trip(town, "trip")
    van, shuttle = booking["legs"]
    # The town's rules: 85-year-old resident rides the van for 100 yen, the taxi voucher takes 500 off.
    assert (van["price"]["amount_minor"], van["rider_price"]["amount_minor"], van["subsidy"]["amount_minor"],
            van["rules"]) == (300, 100, 200, ["noriai-senior-copay"])
    assert (shuttle["price"]["amount_minor"], shuttle["rider_price"]["amount_minor"],
            shuttle["subsidy"]["amount_minor"], shuttle["rules"]) == (1500, 1000, 500, ["taxi-voucher"])
    assert booking["total"]["amount_minor"] == 1100 and booking["payment"]["authorised"]["amount_minor"] == 1100

    # The driver picks Haru up and sets her down at the hospital; the booking follows.
    ride_id = van["operator_booking_id"]
    town["clock"].at = NOW + dt.timedelta(hours=2)
    for kind in ("picked_up", "dropped_off"):
        reported = await client.post(f"/v1/on-demand/noriai/rides/{ride_id}/reports", json={"kind": kind},
                                     headers=town["driver"])
        assert reported.status == 200, await reported.text()
    mid = await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json()
    assert mid["state"] == "STARTED"
    # The shuttle home: its own system records the ride but tells nobody; once the trip should be
    # over, the service's periodic check asks the operator, and the booking is settled.
    leg_id = shuttle["operator_booking_id"]
    for kind in (TripEventKind.STARTED, TripEventKind.FINISHED):
        await town["shuttle"].receive_event(TripEvent(booking_id=leg_id, kind=kind, at=town["clock"].at))
    await container.bookings.check_all()
    assert (await container.bookings.get(SYSTEM, booking["id"])).state.value == "STARTED"  # not over yet
    town["clock"].at = NOW + dt.timedelta(hours=4)
    await container.bookings.check_all()
    settled = await container.bookings.get(SYSTEM, booking["id"])
    assert settled.state.value == "SETTLED"
    assert settled.payment.state.value == "CAPTURED" and settled.payment.captured_minor == 1100

    noriai = await (await client.get(f"/v1/settlement/operators/noriai?{PERIOD}", headers=town["driver"])).json()
    assert (noriai["legs"], noriai["due"]["amount_minor"], noriai["from_riders"]["amount_minor"],
            noriai["from_municipality"]["amount_minor"]) == (1, 300, 100, 200)
    other = await client.get(f"/v1/settlement/operators/shuttle?{PERIOD}", headers=town["driver"])
    assert other.status == 403  # an operator sees only its own statement
    shuttle_statement = await (await client.get(f"/v1/settlement/operators/shuttle?{PERIOD}",
                                                headers=town["analyst"])).json()
    subsidies = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    assert subsidies["total"]["amount_minor"] == 700
    assert subsidies["by_rule"] == {"noriai-senior-copay": 200, "taxi-voucher": 500}
    assert subsidies["by_operator"] == {"noriai": 200, "shuttle": 500}
    # The riders' money went to the operators, one transfer each; the town's share is invoiced.
    transfers = sorted((t.operator_account, t.amount.amount_minor) for t in town["payments"].list_transfers(booking["id"]))
    assert transfers == [("acct_noriai", 100), ("acct_shuttle", 1000)]
    assert sum(amount for _, amount in transfers) == settled.payment.captured_minor
    owed = noriai["due"]["amount_minor"] + shuttle_statement["due"]["amount_minor"]
    assert owed == settled.payment.captured_minor + subsidies["total"]["amount_minor"]  # 1800 = 1100 + 700
    assert (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["haru"])).status == 403
    # Settling twice changes nothing.
    again = await container.bookings.refresh(booking["id"])
    assert again.state.value == "SETTLED" and len(town["payments"].list_transfers(booking["id"])) == 2
    assert (await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json())[
        "total"]["amount_minor"] == 700


async def test_a_cancelled_trip_moves_no_money_and_owes_nothing(town) -> None:
    client = town["client"]
    booking = await book_trip(town, "cancel-me")
    cancelled = await (await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=town["haru"])).json()
    assert cancelled["state"] == "CANCELLED" and cancelled["payment"]["state"] == "CANCELLED"
    assert cancelled["payment"]["captured_minor"] == 0
    subsidies = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    assert subsidies["total"]["amount_minor"] == 0 and subsidies["legs"] == 0
    bad = await client.get("/v1/settlement/subsidies?from=2026-11-25T00:00:00%2B09:00&to=2026-11-24T00:00:00%2B09:00",
                           headers=town["analyst"])
    assert bad.status == 422

