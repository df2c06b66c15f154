"""The booking tests' world: the demo region's operators plus `Shuttle`, a second operator whose
commit, cancel or offers can be made to fail, on Tuesday 2026-11-24 from 09:00 in Tokyo; and the
steps the tests take through the API (a van offer, a booking, the settlement tests' two-leg trip).
The `api` and `settled_town` fixtures that build it are in tests/e2e/conftest.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maas.domain.accounts import GeoPoint, Principal, Role
from maas.domain.errors import OfferExpired, OperatorRejected, OperatorUnavailable
from maas.domain.mobility import OfferQuery
from tests.fakes import MemoryOperator

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)  # a Tuesday
SYSTEM = Principal(subject_id="system:test", role=Role.ADMIN)
PASSWORD = "correct horse battery"
HOME = {"lat": 36.4005, "lon": 138.9000}
HOSPITAL = {"lat": 36.412526, "lon": 138.91438}


class Shuttle(MemoryOperator):
    """A second operator whose commit can be made to fail."""

    operator_id = "shuttle"
    refuse_commit = False
    down = False  # its system does not answer
    lapsed = False  # its offers lapsed in its own system before the booking reached it

    async def book(self, offer_id: str, *, idempotency_key: str):
        if self.lapsed:
            raise OfferExpired(f"offer {offer_id} lapsed at the shuttle")
        return await super().book(offer_id, idempotency_key=idempotency_key)

    async def confirm(self, booking_id: str, *, idempotency_key: str):
        if self.refuse_commit:
            raise OperatorRejected("the shuttle is full after all")
        return await super().confirm(booking_id, idempotency_key=idempotency_key)

    async def cancel(self, booking_id: str, *, idempotency_key: str):
        if self.down:
            raise OperatorUnavailable("the shuttle's system does not answer")
        return await super().cancel(booking_id, idempotency_key=idempotency_key)


async def van_offer(api, depart_at: str = "2026-11-24T11:00:00+09:00") -> dict:
    quoted = await api["client"].post("/v1/on-demand/noriai/quotes", headers=api["rider"], json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": depart_at})
    assert quoted.status == 200, await quoted.text()
    return await quoted.json()


async def book(api, offer_ids: list[str], key: str, language: str = "ja"):
    return await api["client"].post("/v1/bookings", json={"offer_ids": offer_ids},
                                    headers={**api["rider"], "Idempotency-Key": key, "Accept-Language": language})


async def book_trip(town, key: str) -> dict:
    """The settlement tests' trip: the van to the hospital at 11:00 and the shuttle home at 12:00."""
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
