"""Route performance's refused on-demand quotes and taxi-voucher row, through the real app, checked by hand.

Refusals (のりあい号 wired as `make run` wires it, the clock at Tuesday 2026-11-24 09:00): a rider asks
for 09:30 (under the 60 min notice), for 22:00 (after hours), for 9 travellers (no van seats 9),
from the valley outside the zone, and for Saturday 10:00 (outside hours, another service date).
With one ride served that Tuesday, the Tuesday has 4 refusals: rate 4 / (1 + 4) = 0.8.

Taxi vouchers that Tuesday: two 1,800 yen taxi rides with the 500 yen voucher (riders pay 1,300
each): 2 trips, 1,000 yen spent by the town, 2,600 by riders, 3,600 taxi revenue, 500 per trip;
at 1,500 yen per trip the cost is 3,000. Not counted: a full-fare taxi ride, a late cancellation
(its fee, no voucher), a voucher ride on Wednesday, and a bus ticket the town paid part of.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.ondemand import DayPlan
from maas.settings import load_settings
from maas.storage import migrate
from maas.storage.rides import SqlRideStore
from maas.storage.ride_refusals import SqlRideRefusals
from tests.e2e.analyses_runs import finished
from tests.e2e.route_sales import TUESDAY, at, consenting, ride, sell, start, yen
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
SYSTEM = Principal(subject_id="system:test", role=Role.ADMIN)
PASSWORD = "correct horse battery"
HOME = {"lat": 36.4005, "lon": 138.9000}  # quarter mesh 5438-47-82-1-1
HOSPITAL = {"lat": 36.412526, "lon": 138.91438}  # 5438-47-93-3-1
VALLEY = {"lat": 36.4245, "lon": 138.8655}
QUOTES = "/v1/on-demand/noriai/quotes"


@pytest.fixture
async def noriai(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             operators_config=DEMO / "maas-operators.json", min_riders_per_aggregate=1)
    container = build_container(settings, hasher=fast_hasher, clock=SteppedClock(at(9)))
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))

    async def session(role: Role) -> dict[str, str]:
        email = f"{role.value}@example.jp"
        await container.auth.register(NewAccount(email=email, display_name=role.value, role=role, password=PASSWORD),
                                      by=SYSTEM)
        body = await (await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json()
        return {"Authorization": f"Bearer {body['token']}"}

    yield client, container, session
    await container.aclose()


def quote(depart_at: str = "2026-11-24T11:00:00+09:00", **extra) -> dict:
    return {"origin": HOME, "destination": HOSPITAL, "depart_at": depart_at, **extra}


async def refused(client, headers, body: dict) -> str:
    response = await client.post(QUOTES, json=body, headers=headers)
    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (422, "ride_refused"), error
    return error["fields"]["refusal"]


async def test_refused_quotes_are_recorded_without_the_rider_and_counted_by_code(noriai) -> None:
    client, container, session = noriai
    rider, analyst = await session(Role.RIDER), await session(Role.ANALYST)
    assert await refused(client, rider, quote("2026-11-24T09:30:00+09:00")) == "notice_too_short"
    assert await refused(client, rider, quote("2026-11-24T22:00:00+09:00")) == "outside_hours"
    assert await refused(client, rider, quote(travellers=9)) == "party_too_large"
    assert await refused(client, rider, quote(origin=VALLEY)) == "outside_area"
    assert await refused(client, rider, quote("2026-11-28T10:00:00+09:00")) == "outside_hours"  # Saturday
    assert (await client.post(QUOTES, json=quote(), headers=rider)).status == 200  # an offer is no refusal

    async with container.uow() as uow:
        kept = await uow.ride_refusals.list_refusals("noriai", first=TUESDAY, last=dt.date(2026, 11, 28))
    assert [(r.service_date.day, r.code.value, r.travellers) for r in kept] == [
        (24, "notice_too_short", 1), (24, "outside_hours", 1), (24, "party_too_large", 9), (24, "outside_area", 1),
        (28, "outside_hours", 1)]
    first = kept[0]
    assert (first.origin_cell, first.destination_cell) == ("5438478211", "5438479331")
    assert first.requested_pickup == at(9, 30) and first.refused_at == at(9)

    riders = await consenting(container, "A")
    await SqlRideStore(container.engine).save_day(DayPlan(operator_id="noriai", service_date=TUESDAY), [
        ride("A", 1, at(8, 55), BookingState.FINISHED, on=at(9), off=at(9, 20), rider_ref=riders["A"])])
    response = await start(client, analyst, {"date": "2026-11-24"})
    done = await finished(client, analyst, response.headers["Location"])
    assert done["state"] == "done", done["error"]
    od = done["results"]["on_demand"]
    assert od["served"] == 1 and od["refused_quotes"] == 4 and od["refusal_rate"] == 0.8
    assert od["refused"] == {"notice_too_short": 1, "outside_area": 1, "outside_hours": 1, "party_too_large": 1}
    page = await (await client.get(f"/v1/analyses/{done['id']}/report", headers=analyst)).text()
    assert "notice_too_short 1" in page


async def test_a_refusal_that_cannot_be_recorded_still_answers_the_rider(noriai, monkeypatch, caplog) -> None:
    client, container, session = noriai
    rider = await session(Role.RIDER)

    async def broken(self, refusal) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlRideRefusals, "add", broken)
    with caplog.at_level(logging.ERROR, logger="maas.services.on_demand"):
        assert await refused(client, rider, quote("2026-11-24T09:30:00+09:00")) == "notice_too_short"
    assert "could not record a refused noriai quote (notice_too_short)" in caplog.text
    async with container.uow() as uow:
        assert await uow.ride_refusals.list_refusals("noriai", first=TUESDAY, last=TUESDAY) == []


async def taxi(container, n: int, *, state: BookingState = BookingState.FINISHED, day: dt.date = TUESDAY,
               paid: int = 1300, voucher: int = 500, fee: int | None = None) -> None:
    """A settled taxi leg of 1,800 yen and its ledger entries, as settlement writes them."""
    operator, rules = "yamabuki-kotsu-taxi", ("taxi-voucher",) if voucher or fee else ()
    leg_booking = LegBooking(id=f"taxi_{n}", operator_id=operator, offer_id=f"tx_{n}", state=state, price=yen(1800),
                             departure=at(10, 5, day), arrival=at(10, 20, day))
    leg = BookedLeg(index=0, operator_id=operator, offer_id=f"tx_{n}", mode="taxi", price=yen(1800),
                    departure=at(10, 5, day), arrival=at(10, 20, day), booking=leg_booking, rules=rules,
                    rider_price=yen(paid), subsidy=yen(voucher) if voucher else None,
                    fee=yen(fee) if fee is not None else None)
    booking = Booking(id=f"bkg_taxi_{n}", account_id="acc_rider", state=TripState.SETTLED, legs=(leg,),
                      total=yen(paid), idempotency_key=f"t{n}", request_digest="d", created_at=at(9, day=day),
                      updated_at=at(11, day=day))
    if fee is not None:
        entries = [(EntryKind.OPERATOR_DUE, operator, fee), (EntryKind.RIDER_PAID, "acc_rider", fee)]
    else:
        entries = [(EntryKind.OPERATOR_DUE, operator, 1800), (EntryKind.RIDER_PAID, "acc_rider", paid)]
        entries += [(EntryKind.SUBSIDY_DUE, "yamabuki", voucher)] if voucher else []
    async with container.uow() as uow:
        await uow.bookings.add(booking)
        await uow.ledger.add([LedgerEntry(booking_id=booking.id, leg_index=0, kind=kind, party=party,
                                          operator_id=operator, amount=yen(amount), at=at(12, day=day), rules=rules)
                              for kind, party, amount in entries])
        await uow.commit()


async def test_the_taxi_voucher_row(client, container, sign_in) -> None:
    analyst = (await sign_in(Role.ANALYST)).headers
    await taxi(container, 1)
    await taxi(container, 2)
    await taxi(container, 3, paid=1800, voucher=0)  # full fare: no voucher used
    await taxi(container, 4, state=BookingState.CANCELLED, voucher=0, fee=500)  # cancelled late
    await taxi(container, 5, day=TUESDAY + dt.timedelta(days=1))  # Wednesday: outside the period
    await sell(container, 6, state=BookingState.FINISHED, paid=100, subsidy=100)  # a bus leg

    response = await start(client, analyst, {"date": "2026-11-24", "cost_model": {"per_trip_yen": 1500},
                                             "on_demand_operator_id": None})
    done = await finished(client, analyst, response.headers["Location"])
    assert done["state"] == "done", done["error"]
    row = done["results"]["taxi_voucher"]
    assert (row["trips"], row["subsidy_yen"], row["rider_paid_yen"], row["revenue_yen"]) == (2, 1000, 2600, 3600)
    assert (row["subsidy_per_trip_yen"], row["cost_per_trip_yen"], row["operating_cost_yen"]) == (500, 1500, 3000)
    assert (row["rules"], row["operators"], row["days_running"]) == (["taxi-voucher"], ["yamabuki-kotsu-taxi"], 1)
    assert "taxi_voucher" not in {r["route_id"] for r in done["results"]["routes"]}  # not in the routes' totals

    text = await (await client.get(f"/v1/analyses/{done['id']}/cells.csv", headers=analyst)).text()
    rows = {r["route_id"]: r for r in csv.DictReader(io.StringIO(text))}
    voucher = rows["taxi_voucher"]
    assert (voucher["service"], voucher["trips"], voucher["subsidy_yen"], voucher["subsidy_per_trip_yen"]) == (
        "taxi_voucher", "2", "1000", "500")
    assert rows["bus-loop"]["service"] == "fixed_route" and rows["bus-loop"]["fare_subsidy_yen"] == "100"
    page = await (await client.get(f"/v1/analyses/{done['id']}/report", headers=analyst)).text()
    assert "<h2>Taxi voucher</h2><table>" in page and "<td>3600</td>" in page
