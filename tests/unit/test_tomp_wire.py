"""The TOMP wire format of the subset: spec names, money in major units, needs as CROW codes,
offers and bookings that survive the round trip, the spec's own example, the plug-in's options."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import BookingState, Conditions, LegBooking, Offer, OfferQuery
from maas.domain.planning import Money
from maas.domain.ports import AdapterContext
from operators.tomp import RemoteTompAdapter, create, event_key, wire
from operators.tomp.mapping import (MalformedMessage, booking_of, leg_booking_of, minor_of, money_of,
                                    offer_of, option_of, planning_request, query_of)
from tests.fakes import SteppedClock

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
A, B = GeoPoint(lat=36.40, lon=138.90), GeoPoint(lat=36.415, lon=138.905)
OFFER = Offer(id="op-1", operator_id="taxi", mode="taxi", price=Money(amount_minor=1460, currency="JPY"),
              valid_until=T0 + dt.timedelta(minutes=5), departure=T0 + dt.timedelta(minutes=10),
              arrival=T0 + dt.timedelta(minutes=19), origin=A, destination=B, distance_m=2245,
              conditions=Conditions(confirmation_required=True, respond_by=T0 + dt.timedelta(minutes=8),
                                    free_cancellation_until=T0 + dt.timedelta(minutes=1),
                                    cancellation_fee=Money(amount_minor=700, currency="JPY"),
                                    notes=("Estimated meter fare.",)),
              vehicle_type="wheelchair_taxi", description="Wheelchair taxi")


def test_a_planning_request_uses_the_spec_names_and_crow_codes() -> None:
    query = OfferQuery(origin=A, destination=B, depart_at=T0, travellers=2,
                       needs=frozenset({"wheelchair", "escort"}))
    document = wire.dump(planning_request(query))
    assert document["from"] == {"coordinates": {"lat": 36.40, "lng": 138.90}}
    assert document["nrOfTravelers"] == 2 and document["departureTime"] == "2026-11-24T01:00:00Z"
    abilities = document["travelers"][0]["requirements"]["abilities"]
    assert {(a["category"], a["number"]) for a in abilities} == {("HR", "01"), ("AB", "02")}
    back = query_of(wire.PlanningRequest.model_validate(document), now=T0 - dt.timedelta(hours=1))
    assert back == query


def test_an_offer_survives_the_round_trip_through_an_option() -> None:
    document = json.loads(json.dumps(wire.dump(option_of(OFFER))))
    option = wire.Booking.model_validate(document)
    assert document["legs"][0]["id"] == "op-1" and document["mainAssetType"]["assetClass"] == "TAXI"
    assert document["pricing"] == {"estimated": True, "parts": [{"amount": 1460.0, "currencyCode": "JPY",
                                                                 "type": "FIXED"}]}
    assert offer_of(option, OFFER.valid_until, "taxi") == OFFER


def test_a_booking_keeps_its_state_price_and_terms() -> None:
    booking = LegBooking(id="internal-9", operator_id="taxi", offer_id="op-1",
                         state=BookingState.CONDITIONAL_CONFIRMED, price=OFFER.price,
                         conditions=OFFER.conditions, departure=OFFER.departure, arrival=OFFER.arrival)
    document = wire.dump(booking_of(booking, OFFER, booking_id="op-1"))
    assert document["id"] == "op-1" and document["state"] == "CONDITIONAL_CONFIRMED"
    back = leg_booking_of(wire.Booking.model_validate(document), "remote", expires_at=T0)
    assert back.id == back.offer_id == "op-1"
    assert (back.state, back.price, back.conditions, back.expires_at) == (
        booking.state, booking.price, booking.conditions, T0)


@pytest.mark.parametrize(("parts", "expected"), [
    ([{"amount": 9.95, "currencyCode": "EUR"}], Money(amount_minor=995, currency="EUR")),
    ([{"amount": 1500, "currencyCode": "JPY", "type": "FIXED"},
      {"amount": 150, "currencyCode": "JPY", "type": "FIXED", "kind": "DISCOUNT"},
      {"amount": 3000, "currencyCode": "JPY", "type": "MAX"}], Money(amount_minor=1350, currency="JPY")),
    # The spec's text: a DISCOUNT is always negative (its schema says amounts never are); both read alike.
    ([{"amount": 1500, "currencyCode": "JPY", "type": "FIXED"},
      {"amount": -150, "currencyCode": "JPY", "type": "FIXED", "kind": "DISCOUNT"}],
     Money(amount_minor=1350, currency="JPY")),
])
def test_fares_add_up_their_fixed_parts(parts, expected) -> None:
    assert money_of(wire.Fare.model_validate({"estimated": False, "parts": parts})) == expected


@pytest.mark.parametrize(("parts", "message"), [
    ([{"amount": 1, "currencyCode": "EUR", "type": "FLEX", "unitType": "MINUTE", "units": 1}], "no FIXED part"),
    ([{"amount": 1, "currencyCode": "EUR"}, {"amount": 100, "currencyCode": "JPY"}], "mixes currencies"),
])
def test_unpriceable_fares_are_malformed(parts, message) -> None:
    with pytest.raises(MalformedMessage, match=message):
        money_of(wire.Fare.model_validate({"estimated": False, "parts": parts}))


def test_minor_units_follow_the_currency() -> None:
    assert minor_of(12.5, "KWD") == 12500 and minor_of(0.1 + 0.2, "EUR") == 30 and minor_of(700, "JPY") == 700


def test_options_with_several_legs_are_outside_the_subset() -> None:
    option = option_of(OFFER)
    option = option.model_copy(update={"legs": option.legs * 2})
    with pytest.raises(MalformedMessage, match="has 2 legs; the subset has one"):
        offer_of(option, OFFER.valid_until, "taxi")


def test_the_specs_example_operator_information_validates(corpus_dir: Path) -> None:
    example = json.loads((corpus_dir / "tomp-api" / "v1.6.1-example-output" / "information.json").read_text())
    info = wire.SystemInformation.model_validate(example)
    assert info.typeOfSystem == "FREE_FLOATING" and info.systemId == example["systemId"]


def test_error_objects_accept_both_spellings_and_the_list_wrapper() -> None:
    assert wire.TompError.model_validate({"errorCode": 3003}).errorcode == 3003
    assert wire.TompError.model_validate({"errorcode": 3003, "title": "x"}).title == "x"


def test_event_keys_are_stable_per_event() -> None:
    from maas.domain.mobility import TripEvent, TripEventKind

    start = TripEvent(booking_id="b", kind=TripEventKind.STARTED, at=T0)
    assert event_key(start) == event_key(start.model_copy())
    assert event_key(start) != event_key(start.model_copy(update={"kind": TripEventKind.FINISHED}))


def _context(**options) -> AdapterContext:
    return AdapterContext("remote-op", options, Path("."), SteppedClock(T0))


def test_the_factory_reads_its_options() -> None:
    adapter = create(_context(base_url="http://127.0.0.1:9/tomp/", timeout_s=2, retries=0, api_key="s3"))
    assert isinstance(adapter, RemoteTompAdapter) and adapter.operator_id == "remote-op"
    assert adapter.base_url == "http://127.0.0.1:9/tomp"
    assert adapter.client.options.timeout_s == 2.0 and adapter.client.options.retries == 0
    assert adapter.client._headers("k")["X-API-Key"] == "s3"
    assert adapter.client._headers("k")["Idempotency-Key"] == "k"
    assert adapter.client._headers(None).keys() >= {"Api", "Api-Version", "maas-id", "Accept-Language"}
    assert "Idempotency-Key" not in adapter.client._headers(None)


async def test_the_factory_opens_one_session_inside_the_loop_and_aclose_closes_it() -> None:
    adapter = create(_context(base_url="https://operator.example/tomp"))
    session = adapter.client._session
    assert session is not None and not session.closed
    await adapter.aclose()
    assert session.closed


@pytest.mark.parametrize(("options", "message"), [
    ({}, "needs the option base_url"),
    ({"base_url": "ftp://x"}, "is not an http"),
    ({"base_url": "http://x", "timeout_s": 0}, "timeout_s must be above 0"),
    ({"base_url": "http://x", "retries": "3"}, "retries must be a number"),
    ({"base_url": "http://x", "colour": "red"}, "unknown tomp options: colour"),
    ({"base_url": "http://x", "token_url": "http://x/oauth/token"}, "token_url needs client_id and client_secret"),
    ({"base_url": "http://x", "max_retry_after_s": "soon"}, "max_retry_after_s must be a number"),
])
def test_the_factory_refuses_bad_options(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        create(_context(**options))


def test_only_a_discount_may_be_negative() -> None:
    with pytest.raises(ValueError, match="only a DISCOUNT part may have a negative amount"):
        wire.Fare.model_validate({"estimated": False, "parts": [
            {"amount": 1500, "currencyCode": "JPY"}, {"amount": -150, "currencyCode": "JPY", "kind": "SURGE"}]})


def test_the_ultimate_response_time_travels_with_a_postponed_commit() -> None:
    document = wire.dump(option_of(OFFER))
    assert document["legs"][0]["conditions"] == [{"conditionType": "conditionPostponedCommit",
                                                  "ultimateResponseTime": "2026-11-24T01:08:00Z"}]
    later = {**document["legs"][0]["conditions"][0], "ultimateResponseTime": "2026-11-24T01:09:00Z"}
    document["legs"][0]["conditions"].append(later)  # two answers asked: the earlier binds
    assert offer_of(wire.Booking.model_validate(document), OFFER.valid_until, "taxi").conditions.respond_by == (
        T0 + dt.timedelta(minutes=8))
