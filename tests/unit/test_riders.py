"""The rider context: the account's needs and proved entitlements go into every offer query,
offers are issued for the rider, and an offer issued for someone else is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import Account, GeoPoint, Role
from maas.domain.entitlements import Claim, ClaimStatus, ClaimType
from maas.domain.mobility import Offer, OfferQuery
from maas.domain.planning import Money
from maas.domain.riders import NotARider, OfferNotYours, RiderContext, issued_for
from maas.services.offers import OfferService

TOKYO = dt.timezone(dt.timedelta(hours=9))
DAY = dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)
HERE, THERE = GeoPoint(lat=36.41, lon=138.90), GeoPoint(lat=36.40, lon=138.91)


def account(**extra) -> Account:
    values = dict(id="acc_shigeru", email="s@example.jp", display_name="高橋 茂", role=Role.RIDER,
                  birth_date=dt.date(1956, 12, 9), needs=("wheelchair",), resident=True,
                  created_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    return Account(**{**values, **extra})


def offer(**extra) -> Offer:
    values = dict(id="van-1", operator_id="van", mode="on_demand", price=Money(amount_minor=300, currency="JPY"),
                  valid_until=DAY + dt.timedelta(minutes=10), departure=DAY, arrival=DAY + dt.timedelta(minutes=20),
                  origin=HERE, destination=THERE, distance_m=1500)
    return Offer(**{**values, **extra})


def age_claim(status: ClaimStatus = ClaimStatus.VERIFIED, valid_until: dt.date | None = None) -> Claim:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return Claim(id="clm_1", account_id="acc_shigeru", type=ClaimType.AGE, value="1956-12-09", status=status,
                 declared_by="acc_shigeru", declared_at=at, decided_by="acc_agent", decided_at=at,
                 document_type="my_number_card", valid_until=valid_until)


def test_a_self_declared_or_expired_age_proves_no_concession() -> None:
    later = DAY + dt.timedelta(days=2)
    asked = OfferQuery(origin=HERE, destination=THERE, depart_at=later)
    assert RiderContext.of(account()).apply(asked).concessions == frozenset()  # the profile's birth date alone
    assert RiderContext.of(account(), [age_claim(ClaimStatus.DECLARED)]).apply(asked).concessions == frozenset()
    expired = RiderContext.of(account(), [age_claim(valid_until=DAY.date())])
    assert expired.apply(asked).concessions == frozenset() and expired.fare_rider(later.date()).age is None
    assert expired.fare_rider(DAY.date()).age == 69


def test_the_query_carries_the_riders_needs_concessions_and_name() -> None:
    rider = RiderContext.of(account(), [age_claim()], agent_id="acc_agent")
    asked = OfferQuery(origin=HERE, destination=THERE, depart_at=DAY, needs=frozenset({"escort"}))
    query = rider.apply(asked)
    assert query.needs == {"escort", "wheelchair"} and query.wheelchair
    assert query.rider_ref == "acc_shigeru" and query.rider_name == "高橋 茂"
    # 70 on the day after: no senior concession yet on the 8th, one on the 9th.
    assert query.concessions == frozenset()
    assert rider.apply(asked.model_copy(update={"depart_at": DAY + dt.timedelta(days=1)})).concessions == {"senior"}
    assert rider.acted_by == "acc_agent" and RiderContext.of(account()).acted_by == "acc_shigeru"


def test_an_offer_issued_for_one_rider_is_refused_to_another() -> None:
    shigeru = RiderContext.of(account())
    misaki = RiderContext.of(account(id="acc_misaki", needs=()))
    [mine] = issued_for([offer()], shigeru)
    assert mine.issued_for == "acc_shigeru"
    shigeru.check_offer(mine)
    misaki.check_offer(offer())  # an offer from an anonymous search is anyone's
    with pytest.raises(OfferNotYours) as refused:
        misaki.check_offer(mine)
    assert refused.value.code == "offer_not_yours" and refused.value.fields == {"offer_ids": "van-1"}
    assert issued_for([offer()], None)[0].issued_for is None
    assert NotARider("x").code == "not_a_rider"


class Recording:
    """An operator that offers one ride for whatever it is asked, and remembers the question."""

    operator_id = "van"

    def __init__(self) -> None:
        self.asked: list[OfferQuery] = []

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        self.asked.append(query)
        return [offer(vehicle_type="wheelchair_van" if query.wheelchair else "van")]


async def test_an_offer_search_asks_for_the_riders_needs_and_issues_the_offers_for_them() -> None:
    van = Recording()
    service = OfferService({"van": van})  # type: ignore[dict-item]
    query = OfferQuery(origin=HERE, destination=THERE, depart_at=DAY)
    found = await service.search(query, rider=RiderContext.of(account()))
    assert van.asked[-1].wheelchair and van.asked[-1].rider_ref == "acc_shigeru"
    assert [(o.vehicle_type, o.issued_for) for o in found.offers] == [("wheelchair_van", "acc_shigeru")]
    anonymous = await service.search(query)
    assert not van.asked[-1].wheelchair and van.asked[-1].rider_ref == ""
    assert [o.issued_for for o in anonymous.offers] == [None]
