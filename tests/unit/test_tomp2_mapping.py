"""TOMP 2.0 without a network: the `tomp` entry point's version switch, the merged 2.0 document
and its errata, and the mapping of queries, offers and packages both ways, bad input included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import BookingState, LegBooking, Offer, OfferQuery
from maas.domain.planning import Money
from maas.domain.ports import AdapterContext
from operators.tomp import RemoteTompAdapter
from operators.tomp.mapping import MalformedMessage
from operators.tomp.plugin import create
from operators.tomp.spec_modules import ERRATA, merged_document
from operators.tomp2 import RemoteTomp2Adapter
from operators.tomp2 import mapping
from tests.fakes import SteppedClock
from tests.tomp_spec_check import tomp_spec

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
HOME, STATION = GeoPoint(lat=36.4, lon=138.9), GeoPoint(lat=36.415, lon=138.905)
HEADERS = {"Accept-Language": "ja", "authorization": "Bearer k"}


def context(**options: object) -> AdapterContext:
    return AdapterContext("op", {"base_url": "http://127.0.0.1:9", **options}, Path("."), SteppedClock(T0))


def test_the_tomp_entry_point_picks_the_version() -> None:
    assert isinstance(create(context()), RemoteTompAdapter)
    assert isinstance(create(context(version="1.6")), RemoteTompAdapter)
    assert isinstance(create(context(version="2.0", api_key="k")), RemoteTomp2Adapter)
    with pytest.raises(ValueError, match="version must be one of 1.6, 2.0"):
        create(context(version="3"))


def test_every_request_the_adapter_builds_conforms_and_a_query_comes_back_whole() -> None:
    spec = tomp_spec("2.0")
    query = OfferQuery(origin=HOME, destination=STATION, depart_at=T0, travellers=2, needs=frozenset({"wheelchair"}))
    body = mapping.search_request(query)
    assert spec.check_request("POST", "/processes/search-offers/execution", HEADERS, body) == []
    assert body["inputs"]["specification"]["from"] == "gps:36.400000_138.900000"
    back = mapping.query_of(body, T0)
    assert (back.origin, back.destination, back.depart_at, back.travellers, back.needs) == (
        HOME, STATION, T0, 2, frozenset({"wheelchair"}))
    for path in ("/processes/confirm-purchase/execution", "/processes/rollback-purchase/execution",
                 "/processes/cancel-package/execution"):
        assert spec.check_request("POST", path, HEADERS, mapping.package_request("p1")) == []
    assert spec.check_request("POST", "/processes/extend-expiry-time/execution", HEADERS,
                              mapping.package_request("p1", reason="PAYMENT_PENDING")) == []
    # the same body with a place the spec's pattern refuses (a comma) does not conform
    body["inputs"]["specification"]["to"] = "gps:36.4,138.9"
    assert spec.check_request("POST", "/processes/search-offers/execution", HEADERS, body)


def test_offers_and_packages_round_trip_and_conform() -> None:
    spec = tomp_spec("2.0")
    offer = Offer(id="o1", operator_id="op", mode="taxi", price=Money(amount_minor=1500, currency="JPY"),
                  valid_until=T0 + dt.timedelta(minutes=5), departure=T0 + dt.timedelta(minutes=10),
                  arrival=T0 + dt.timedelta(minutes=25), origin=HOME, destination=STATION, distance_m=0,
                  vehicle_type="sedan", description="taxi")
    collection = mapping.offer_collection([offer])
    assert spec.check_response("POST", "/processes/search-offers/execution", 200, collection) == []
    assert mapping.offer_of(collection["features"][0], offer.valid_until, "op") == offer
    booking = LegBooking(id="o1", operator_id="op", offer_id="o1", state=BookingState.CONDITIONAL_CONFIRMED,
                         price=offer.price, departure=offer.departure, arrival=offer.arrival,
                         expires_at=T0 + dt.timedelta(minutes=5))
    package = mapping.package_of(booking, offer, package_id="o1")
    assert spec.check_response("POST", "/processes/purchase-offers/execution", 200, package) == []
    read = mapping.leg_booking_of(package, "op", expires_at=booking.expires_at)
    assert read.state is BookingState.CONDITIONAL_CONFIRMED and read.price == offer.price
    assert read.conditions.confirmation_required  # the PURCHASE_TO_BE_CONFIRMED label


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda p: p["properties"].update(status="OFFERED"), "not a booking's"),
    (lambda p: p["properties"].update(status="BOGUS"), "not a booking's"),
    (lambda p: p["properties"].pop("id"), "no properties with an id"),
    (lambda p: p["properties"]["legs"].append(dict(p["properties"]["legs"][0])), "2 legs"),
    (lambda p: p["properties"]["summary"]["specification"].update(startTime="2026-11-24T10:00:00"), "no UTC offset"),
    (lambda p: p["properties"].update(price={"amount": -5, "currencyCode": "JPY", "elements": []}), "negative"),
])
def test_an_unusable_package_is_a_named_error(mutate, message) -> None:
    offer = Offer(id="o1", operator_id="op", mode="taxi", price=Money(amount_minor=1500, currency="JPY"),
                  valid_until=T0, departure=T0, arrival=T0 + dt.timedelta(minutes=9), origin=HOME,
                  destination=STATION, distance_m=0)
    booking = LegBooking(id="o1", operator_id="op", offer_id="o1", state=BookingState.CONFIRMED, price=offer.price,
                         departure=offer.departure, arrival=offer.arrival)
    package = mapping.package_of(booking, offer, package_id="o1")
    mutate(package)
    with pytest.raises(MalformedMessage, match=message):
        mapping.leg_booking_of(package, "op")


@pytest.mark.parametrize("ref", ["gps:36.4,138.9", "36.4_138.9", "gps:north_east", "gps:91_0", None])
def test_a_place_that_is_not_a_gps_reference_is_refused(ref) -> None:
    with pytest.raises(MalformedMessage):
        mapping.point_of(ref)


def test_the_modules_merge_with_their_errata(tmp_path: Path) -> None:
    spec = tomp_spec("2.0")
    assert len(ERRATA) == 3 and spec.version == "2.0.0"
    error = {"errors": [{"errorcode": 3003, "title": "Availability expired.", "status": 410}]}
    assert spec.check_response("POST", "/processes/purchase-offers/execution", 410, error) == []
    assert spec.check_response("POST", "/processes/purchase-offers/execution", 410, {"errors": [{"title": "x"}]})
    (tmp_path / "A.yaml").write_text("paths:\n  /x:\n    get: {responses: {}}\n")
    (tmp_path / "B.yaml").write_text("paths:\n  /x:\n    get: {responses: {}}\n")
    with pytest.raises(ValueError, match="defined twice"):
        merged_document(tmp_path)
    with pytest.raises(ValueError, match="no TOMP modules"):
        merged_document(tmp_path / "missing")
