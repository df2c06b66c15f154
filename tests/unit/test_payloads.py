"""Versioned stored payloads (maas.storage.payloads): the stairway of golden payloads of every
stored version, the guard that a model's shape cannot change without a new version, and the
refusals of payloads this code cannot read."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from maas.domain.bookings import TripState
from maas.domain.mobility import BookingState
from maas.storage import payloads
from maas.storage.payloads import KINDS, PayloadKind, StoredPayloadError, dump, fingerprint, load
from sqlmodel import SQLModel

import maas.storage.tables  # noqa: F401  (registers the tables)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "payloads"
MAKE = "tests/golden/make_payloads.py"
JST = dt.timezone(dt.timedelta(hours=9))
BY_TABLE = {kind.table: kind for kind in KINDS}


def golden_files() -> list[tuple[PayloadKind[Any], int, Path]]:
    found = []
    for kind in KINDS:
        for path in sorted((GOLDEN / kind.table).glob("v*.json")):
            found.append((kind, int(path.stem[1:]), path))
    return found


def golden(kind: PayloadKind[Any], version: int = 1) -> str:
    return (GOLDEN / kind.table / f"v{version}.json").read_text(encoding="utf-8")


# What each golden object says, checked field by field: a rename that an upcaster forgot to
# carry over turns into a default here, not a pass.
def _booking(b: Any) -> None:
    assert (b.id, b.account_id, b.state, b.version) == (
        "bk-golden-0001", "acc-haru", TripState.CONDITIONAL_CONFIRMED, 3)
    taxi = b.legs[0]
    assert (taxi.rider_price.amount_minor, taxi.subsidy.amount_minor, taxi.covered.amount_minor) == (900, 900, 200)
    assert taxi.booking.state is BookingState.CONDITIONAL_CONFIRMED
    assert taxi.conditions.cancellation_fee.amount_minor == 500
    assert taxi.departure == dt.datetime(2026, 12, 8, 9, 30, tzinfo=JST) and taxi.departure.utcoffset() is not None
    assert (b.payment.captured_minor, b.payment.refunded_minor, b.customer_ref) == (1900, 100, "cus_golden")
    assert b.compensate_to is TripState.CANCELLED and b.legs[1].operator_id == "yamabuki-community-bus"


def _offer(o: Any) -> None:
    assert (o.id, o.operator_id, o.mode, o.price.amount_minor, o.distance_m) == (
        "of-taxi-0001", "yamabuki-kotsu-taxi", "taxi", 1800, 4200)
    assert (o.vehicle_type, o.route_id, o.conditions.notes) == ("wheelchair_van", "R-town-loop", ("車椅子のまま乗車できます",))
    assert o.valid_until == dt.datetime(2026, 12, 8, 8, 15, tzinfo=JST)


def _ride(r: Any) -> None:
    assert (r.id, r.operator_id, r.vehicle_id, r.travellers, r.wheelchairs) == (
        "ride-golden-0001", "noriai", "noriai-van-1", 2, 1)
    assert (r.needs, r.rider_name, r.direct_s, r.service_date) == (
        frozenset({"wheelchair"}), "山田 茂", 840, dt.date(2026, 12, 8))
    assert r.picked_up_at == dt.datetime(2026, 12, 8, 9, 31, tzinfo=JST)


def _ticket(t: Any) -> None:
    assert (t.id, t.operator_id, t.offer_id, t.state, t.reason) == (
        "taxi-bk-0001", "yamabuki-kotsu-taxi", "of-taxi-0001", BookingState.CONDITIONAL_CONFIRMED, "配車確認中")
    assert t.expires_at == dt.datetime(2026, 12, 8, 9, 0, tzinfo=JST)


def _pass(p: Any) -> None:
    assert (p.id, p.account_id, p.product.id, p.product.days, p.price.amount_minor) == (
        "ps-golden-0001", "acc-haru", "silver-30", 30, 1000)
    assert p.product.eligibility.min_age == 70 and p.refunded.amount_minor == 300
    assert p.valid_until - p.valid_from == dt.timedelta(days=30) and p.payment.id == "pi_pass_0001"


def _analysis(a: Any) -> None:
    assert (a.id, a.kind.value, a.state.value, a.progress, a.created_by) == (
        "an-golden-0001", "route_performance", "done", 1.0, "acc-analyst")
    assert a.parameters == {"date": "2026-12-08", "end_date": "2026-12-14"} and a.summary["boardings"] == 312


def _hold(h: Any) -> None:
    assert (h.id, h.book_key, h.booking.state, h.booked_as.state) == (
        "bike-golden-0001", "bike-key-0001", BookingState.STARTED, BookingState.CONFIRMED)
    assert (h.hold.station_id, h.hold.vehicle_id, h.hold.vehicle_type_id, h.hold.count) == (
        "st-station-east", "bike-17", "e-bike", 1)
    assert h.hold.from_at == dt.datetime(2026, 12, 8, 9, 45, tzinfo=JST)


def _event(event: Any) -> None:
    assert event.type.value == "ride.pickup_window_changed" and event.created.utcoffset() == dt.timedelta(hours=9)
    assert event.data["previous_departure"] == "2026-12-08T09:30:00+09:00"
    assert event.text == {"ja": "お迎えの時刻が09:35に変わりました。", "en": "Your pickup time changed to 09:35."}


CHECKS = {"bookings": _booking, "offers_issued": _offer, "ondemand_rides": _ride, "transit_tickets": _ticket,
          "rider_passes": _pass, "analyses": _analysis, "vehicle_holds": _hold, "rider_events": _event}


# --- the stairway ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "version", "path"), golden_files(),
                         ids=[f"{k.table}-v{v}" for k, v, _ in golden_files()])
def test_every_golden_payload_of_every_version_reads_as_the_current_model(
        kind: PayloadKind[Any], version: int, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    stored = json.loads(text)
    assert stored.get("schema_version", 1) == version, f"{path} says another version than its name"
    got = load(kind, text)
    assert isinstance(got, kind.model)
    CHECKS[kind.table](got)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.table)
def test_every_kind_has_a_golden_payload_of_every_version_up_to_the_current(kind: PayloadKind[Any]) -> None:
    have = sorted(int(p.stem[1:]) for p in (GOLDEN / kind.table).glob("v*.json"))
    assert have == list(range(1, kind.version + 1)), (
        f"{kind.table} is at payload version {kind.version} but tests/golden/payloads/{kind.table}/ holds "
        f"versions {have}: golden payloads are never deleted, and `.venv/bin/python {MAKE}` writes the new one")
    assert sorted(kind.upcasters) == list(range(1, kind.version))
    assert kind.table in CHECKS


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.table)
def test_a_v1_payload_reads_the_same_with_or_without_its_version(kind: PayloadKind[Any]) -> None:
    legacy = golden(kind)
    assert "schema_version" not in json.loads(legacy)  # as every row was written before versions
    marked = json.dumps({"schema_version": 1, **json.loads(legacy)}, ensure_ascii=False)
    assert load(kind, marked) == load(kind, legacy)


# --- the guard --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.table)
def test_a_stored_model_keeps_the_shape_recorded_for_its_version(kind: PayloadKind[Any]) -> None:
    recorded = json.loads((GOLDEN / "fingerprints.json").read_text(encoding="utf-8"))
    mine = recorded.get(kind.table)
    assert mine is not None, f"{kind.table} has no recorded fingerprint: run `.venv/bin/python {MAKE}`"
    advice = (
        f"{kind.model.__name__}, stored whole in table {kind.table} as payload version {mine['version']}, "
        f"no longer has the JSON shape recorded for that version. Rows already stored keep the old shape. "
        f"If every golden payload still reads and its checks pass (a field added with a default), re-record with "
        f"`.venv/bin/python {MAKE} --fingerprints`. Otherwise (a field renamed, removed, retyped or "
        f"made required): in maas/storage/payloads.py bump {kind.table}'s version to {mine['version'] + 1}, add "
        f"the upcaster {mine['version']} -> {mine['version'] + 1} that turns an old payload dict into the new "
        f"shape, update samples() in {MAKE} and the field checks in this file, and run the script with "
        f"--fingerprints (it writes tests/golden/payloads/{kind.table}/v{mine['version'] + 1}.json and never "
        f"touches the older ones).")
    assert mine["version"] == kind.version, advice
    assert mine["model"] == kind.model.__name__, advice
    assert mine["schema_sha256"] == fingerprint(kind), advice


class _Shape(BaseModel):
    id: str
    price_minor: int


def test_the_fingerprint_changes_with_a_renamed_field_and_not_with_prose() -> None:
    class Renamed(BaseModel):
        id: str
        amount_minor: int

    class Documented(BaseModel):
        """Prose only."""

        id: str
        price_minor: int

    class WithDescriptionField(BaseModel):  # a field called "description" is shape, not prose
        id: str
        price_minor: int
        description: str = ""

    base = fingerprint(PayloadKind("t", _Shape))
    assert fingerprint(PayloadKind("t", Renamed)) != base
    assert fingerprint(PayloadKind("t", Documented)) == base
    assert fingerprint(PayloadKind("t", WithDescriptionField)) != base


def test_every_table_with_a_payload_column_has_a_payload_kind() -> None:
    with_payload = sorted(t.name for t in SQLModel.metadata.tables.values() if "payload" in t.c)
    assert with_payload == sorted(BY_TABLE), (
        "a table stores a payload without a kind in maas.storage.payloads (or a kind names no table)")


# --- writing, and the chain of upcasters --------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.table)
def test_a_payload_written_now_carries_the_current_version_and_reads_back_equal(kind: PayloadKind[Any]) -> None:
    obj = load(kind, golden(kind))
    text = dump(kind, obj)
    assert text.startswith('{"schema_version":%d,' % kind.version)
    assert json.loads(text)["schema_version"] == kind.version
    assert load(kind, text) == obj
    rest = json.loads(text)
    del rest["schema_version"]
    assert rest == json.loads(obj.model_dump_json())  # otherwise exactly what pydantic writes


class _V3(BaseModel):
    id: str
    price_minor: int
    currency: str


def _rename(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["price_minor"] = data.pop("price")
    return data


def _add_currency(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "currency": "JPY"}


STAIRS = PayloadKind("things", _V3, version=3, upcasters={1: _rename, 2: _add_currency})


def test_upcasters_lift_each_older_version_step_by_step() -> None:
    want = _V3(id="t-1", price_minor=200, currency="JPY")
    assert load(STAIRS, '{"id": "t-1", "price": 200}') == want  # version 1: no schema_version
    assert load(STAIRS, '{"schema_version": 2, "id": "t-1", "price_minor": 200}') == want
    assert load(STAIRS, '{"schema_version": 3, "id": "t-1", "price_minor": 200, "currency": "JPY"}') == want


def test_a_kind_cannot_be_declared_without_an_upcaster_for_every_older_version() -> None:
    with pytest.raises(TypeError, match=r"things: no upcaster from version\(s\) \[2\] to 3"):
        PayloadKind("things", _V3, version=3, upcasters={1: _rename})


def test_a_model_with_its_own_schema_version_field_is_refused() -> None:
    class Clash(BaseModel):
        schema_version: int

    with pytest.raises(TypeError, match="reserves it"):
        PayloadKind("clash", Clash)


def test_dump_refuses_another_model_than_its_kinds() -> None:
    with pytest.raises(TypeError, match="bookings stores Booking, not Offer"):
        dump(payloads.BOOKING, load(payloads.OFFER, golden(payloads.OFFER)))  # type: ignore[arg-type]


# --- refusals: never a silently wrong object --------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.table)
def test_a_payload_of_a_newer_version_is_refused_naming_table_and_row(kind: PayloadKind[Any]) -> None:
    newer = json.dumps({**json.loads(golden(kind)), "schema_version": kind.version + 1}, ensure_ascii=False)
    with pytest.raises(StoredPayloadError, match=rf"^{kind.table} row \S+: payload version {kind.version + 1} "
                                                 rf"is newer than this code reads \(up to {kind.version}\)"):
        load(kind, newer)
    with pytest.raises(StoredPayloadError, match=rf"^{kind.table} row the-row-id: "):
        load(kind, newer, row="the-row-id")


def test_a_bulk_read_names_the_row_by_the_id_inside_the_payload() -> None:
    newer = json.dumps({**json.loads(golden(payloads.BOOKING)), "schema_version": 9})
    with pytest.raises(StoredPayloadError, match=r"^bookings row bk-golden-0001: "):
        load(payloads.BOOKING, newer)
    held = json.dumps({**json.loads(golden(payloads.VEHICLE_HOLD)), "schema_version": 9})
    with pytest.raises(StoredPayloadError, match=r"^vehicle_holds row bike-golden-0001: "):
        load(payloads.VEHICLE_HOLD, held)


@pytest.mark.parametrize("version", ["1", 0, -1, True, 1.0, None, [1]])
def test_a_schema_version_that_is_not_a_positive_integer_is_refused(version: object) -> None:
    text = json.dumps({**json.loads(golden(payloads.OFFER)), "schema_version": version})
    with pytest.raises(StoredPayloadError, match=re.escape(f"{version!r} is not a version")):
        load(payloads.OFFER, text)


@pytest.mark.parametrize(("text", "why"), [
    ("", "is not JSON"), ("{'id': 1}", "is not JSON"),
    ("[1, 2]", "is not a JSON object"), ("null", "is not a JSON object"),
    (json.dumps({"schema_version": payloads.OFFER.version, "id": "of-1"}), "is not a valid Offer"),
])
def test_a_payload_that_is_not_an_object_of_the_model_is_refused(text: str, why: str) -> None:
    with pytest.raises(StoredPayloadError, match=rf"^offers_issued row \S+: .*{why}"):
        load(payloads.OFFER, text, row="of-1")


def test_a_payload_missing_what_the_model_requires_is_refused_not_defaulted() -> None:
    current = payloads.BOOKING.version
    data = json.loads(golden(payloads.BOOKING, current))
    del data["account_id"]
    with pytest.raises(StoredPayloadError, match=rf"bookings row bk-golden-0001: the payload \(version {current}\) is "
                                                 r"not a valid Booking"):
        load(payloads.BOOKING, json.dumps(data))


def test_an_upcaster_that_cannot_lift_a_payload_is_refused_naming_the_version() -> None:
    with pytest.raises(StoredPayloadError, match=r"^things row t-1: cannot lift payload version 1: KeyError"):
        load(STAIRS, '{"id": "t-1", "cost": 200}')  # version 1 without the field its upcaster renames
