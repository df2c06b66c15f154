"""The events a booking's change means (maas.domain.rider_events), their sentences in Japanese and
English, and the webhook rules without I/O: URLs allowed, the signature, the retry schedule."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.errors import InvalidRequest
from maas.domain.event_texts import TEMPLATES
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.payments import Payment, PaymentState
from maas.domain.planning import Money
from maas.domain.rider_events import EventType, booking_events
from maas.domain.webhooks import RetryPolicy, check_event_types, check_url, sign, verify

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
START = T0 + dt.timedelta(hours=2)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def leg(index: int, mode: str, state: BookingState, departure: dt.datetime = START, reason: str = "") -> BookedLeg:
    answer = LegBooking(id=f"op-{index}", operator_id=f"op{index}", offer_id=f"of-{index}", state=state,
                        price=yen(500), departure=departure, arrival=departure + dt.timedelta(minutes=20),
                        reason=reason)
    return BookedLeg(index=index, operator_id=f"op{index}", offer_id=f"of-{index}", mode=mode, price=yen(500),
                     departure=START, arrival=START + dt.timedelta(minutes=20), booking=answer)


def trip(state: TripState, legs: tuple[BookedLeg, ...], *, version: int = 1, payment: Payment | None = None,
         cancelled_by: str | None = None, reason: str = "") -> Booking:
    return Booking(id="bk-1", account_id="acc-haru", state=state, legs=legs, total=yen(1000), payment=payment,
                   idempotency_key="k", request_digest="d", created_at=T0, updated_at=T0, version=version,
                   cancelled_by=cancelled_by, reason=reason)


VAN_BUS = (leg(0, "on_demand", BookingState.CONFIRMED), leg(1, "bus", BookingState.CONFIRMED))


def kinds(events) -> list[str]:
    return [e.type.value for e in events]


def test_a_confirmation_is_booking_confirmed_and_the_van_assigned() -> None:
    held = trip(TripState.PENDING, VAN_BUS)
    events = booking_events(held, trip(TripState.CONFIRMED, VAN_BUS, version=2), T0)
    assert kinds(events) == ["booking.confirmed", "ride.van_assigned"]
    assert events[0].text == {"ja": "11:00出発の旅程の予約が確定しました。",
                              "en": "Your trip departing at 11:00 is booked."}
    assert events[0].created == T0 and events[0].booking_id == "bk-1" and events[0].account_id == "acc-haru"
    assert events[1].data["operator_id"] == "op0"
    # The same save seen again gives the same ids; the next version's events get new ones.
    again = booking_events(held, trip(TripState.CONFIRMED, VAN_BUS, version=2), T0 + dt.timedelta(seconds=5))
    assert [e.id for e in again] == [e.id for e in events] and len({e.id for e in events}) == 2
    later = booking_events(held, trip(TripState.CONFIRMED, VAN_BUS, version=3), T0)
    assert not {e.id for e in later} & {e.id for e in events}


def test_the_sagas_own_steps_are_not_news() -> None:
    pending = (leg(0, "on_demand", BookingState.PENDING), leg(1, "bus", BookingState.PENDING))
    assert booking_events(trip(TripState.PENDING, pending), trip(TripState.PENDING, VAN_BUS, version=2), T0) == []
    assert booking_events(None, trip(TripState.PENDING, pending), T0) == []


@pytest.mark.parametrize(("by", "said", "ja"), [("acc-haru", "rider", "ご本人による取消"),
                                              ("acc-agent", "staff", "窓口による取消"),
                                              (None, "operator", "事業者による取消")])
def test_a_cancellation_says_by_whom(by, said, ja) -> None:
    cancelled = tuple(leg(i, m, BookingState.CANCELLED) for i, m in ((0, "on_demand"), (1, "bus")))
    events = booking_events(trip(TripState.CONFIRMED, VAN_BUS),
                            trip(TripState.CANCELLED, cancelled, version=2, cancelled_by=by), T0)
    assert kinds(events) == ["booking.cancelled"]  # the legs' own cancellations are not told twice
    assert events[0].data["cancelled_by"] == said and ja in events[0].text["ja"]


def test_a_refused_booking_is_booking_failed() -> None:
    events = booking_events(trip(TripState.PENDING, VAN_BUS), trip(TripState.REJECTED, VAN_BUS, version=2,
                                                                   reason="operator_rejected: full"), T0)
    assert kinds(events) == ["booking.failed"] and events[0].data["state"] == "REJECTED"


def test_the_ride_moving_along_is_told_step_by_step() -> None:
    moved = (leg(0, "on_demand", BookingState.CONFIRMED, START + dt.timedelta(minutes=10)), VAN_BUS[1])
    events = booking_events(trip(TripState.CONFIRMED, VAN_BUS), trip(TripState.CONFIRMED, moved, version=2), T0)
    assert kinds(events) == ["ride.pickup_window_changed"]
    assert events[0].text["ja"] == "お迎えの時刻が11:10に変わりました。"
    bus_late = (VAN_BUS[0], leg(1, "bus", BookingState.CONFIRMED, START + dt.timedelta(minutes=5)))
    assert kinds(booking_events(trip(TripState.CONFIRMED, VAN_BUS), trip(TripState.CONFIRMED, bus_late, version=2),
                                T0)) == ["booking.changed"]
    riding = (leg(0, "on_demand", BookingState.STARTED), VAN_BUS[1])
    assert kinds(booking_events(trip(TripState.CONFIRMED, VAN_BUS), trip(TripState.STARTED, riding, version=2),
                                T0)) == ["ride.picked_up"]
    off = (leg(0, "on_demand", BookingState.FINISHED), VAN_BUS[1])
    assert kinds(booking_events(trip(TripState.STARTED, riding), trip(TripState.STARTED, off, version=3),
                                T0)) == ["ride.dropped_off"]
    missed = (leg(0, "on_demand", BookingState.FINISHED, reason="no-show"), VAN_BUS[1])  # as the van says it
    assert kinds(booking_events(trip(TripState.CONFIRMED, VAN_BUS), trip(TripState.CONFIRMED, missed, version=2),
                                T0)) == ["ride.no_show"]


def test_money_taken_and_given_back_and_the_trip_settled() -> None:
    held = Payment(id="pi_1", gateway="stripe", booking_id="bk-1", state=PaymentState.AUTHORISED,
                   authorised=yen(1000))
    captured = held.model_copy(update={"state": PaymentState.CAPTURED, "captured_minor": 800})
    finished = tuple(leg(i, m, BookingState.FINISHED) for i, m in ((0, "on_demand"), (1, "bus")))
    events = booking_events(trip(TripState.FINISHED, finished, payment=held),
                            trip(TripState.SETTLED, finished, version=2, payment=captured), T0)
    assert kinds(events) == ["booking.settled", "payment.captured"]
    assert events[1].text == {"ja": "旅程の料金として800円をお支払いいただきました。", "en": "JPY 800 was charged for your trip."}
    refunded = captured.model_copy(update={"refunded_minor": 300})
    events = booking_events(trip(TripState.SETTLED, finished, payment=captured),
                            trip(TripState.SETTLED, finished, version=3, payment=refunded), T0)
    assert kinds(events) == ["payment.refunded"] and events[0].data["amount"]["amount_minor"] == 300


def test_every_event_type_has_its_sentence_in_both_languages() -> None:
    assert set(TEMPLATES) == {t.value for t in EventType}
    assert all(en.strip() and ja.strip() for en, ja in TEMPLATES.values())


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://[::1]:9000/x",
                                 "https://example.jp/hooks", "https://10.0.0.5/hooks"])
def test_https_anywhere_and_http_to_loopback_in_development(url) -> None:
    assert check_url(url, allow_loopback_http=True) == url


@pytest.mark.parametrize(("url", "allow"), [
    ("http://127.0.0.1:8080/hooks", False),  # production: https only
    ("http://10.0.0.5/hooks", True), ("http://example.jp/hooks", True), ("http://127.0.0.1.example.jp/", True),
    ("ftp://127.0.0.1/hooks", True), ("javascript:alert(1)", True), ("https://", True), ("", True),
    ("https://a:b@example.jp/", True), ("https://example.jp:99999/", True),
])
def test_other_urls_are_refused_naming_the_field(url, allow) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_url(url, allow_loopback_http=allow)
    assert set(refused.value.fields) == {"url"}


def test_event_type_filters_name_known_types_only() -> None:
    assert check_event_types(["trip.delay", "booking.confirmed", "trip.delay"]) == ("booking.confirmed", "trip.delay")
    with pytest.raises(InvalidRequest) as refused:
        check_event_types(["booking.confirmed", "booking.*"])
    assert "booking.*" in refused.value.fields["event_types"]


def test_a_signature_verifies_only_with_its_secret_body_and_a_recent_time() -> None:
    body = b'{"id":"evt_1"}'
    header = sign("whsec_a", 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify("whsec_a", header, body, now=1_800_000_100)
    assert not verify("whsec_b", header, body, now=1_800_000_100)
    assert not verify("whsec_a", header, body + b"x", now=1_800_000_100)
    assert not verify("whsec_a", header, body, now=1_800_000_301)  # replayed too late
    assert verify("whsec_a", header + ",v1=" + "0" * 64, body, now=1_800_000_000)  # one of several matches
    for broken in ("", "t=abc,v1=00", "v1=" + header.split("v1=")[1], header.replace("t=", "t=1,t=")):
        assert not verify("whsec_a", broken, body, now=1_800_000_000)


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap() -> None:
    policy, rng = RetryPolicy(base_s=30, cap_s=3600), random.Random(7)
    for attempts, step in ((1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)):
        delays = [policy.delay_s(attempts, rng) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays) and len(set(delays)) > 1
