"""One ticket per booking version, the signed revocation list, and `maas tickets check` run
in-process on a driver's laptop: valid, expired, revoked, unknown key and unusable inputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas import cli, ticket_check
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.planning import Money
from maas.domain.tickets import ticket_for
from maas.ticketing import Ed25519TicketSigner

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 12, 8, 9, 30, tzinfo=JST)  # the van leaves; the ticket is valid 09:00-11:05


def _booking(version: int = 3) -> Booking:
    price = Money(amount_minor=300, currency="JPY")
    leg_booking = LegBooking(id="ride-1", operator_id="noriai", offer_id="off_1", state=BookingState.CONFIRMED,
                             price=price, departure=T0, arrival=T0 + dt.timedelta(minutes=35))
    leg = BookedLeg(index=0, operator_id="noriai", offer_id="off_1", mode="on_demand", price=price, departure=T0,
                    arrival=T0 + dt.timedelta(minutes=35), booking=leg_booking)
    return Booking(id="bkg_0123456789abcdef", account_id="acc_1", state=TripState.CONFIRMED, legs=(leg,),
                   total=price, idempotency_key="k", request_digest="d", created_at=T0 - dt.timedelta(days=1),
                   updated_at=T0 - dt.timedelta(days=1), version=version)


@pytest.fixture(scope="module")
def signer() -> Ed25519TicketSigner:
    return Ed25519TicketSigner.generate()


@pytest.fixture(scope="module")
def token(signer) -> str:
    return signer.sign(ticket_for(_booking(), issued_at=T0 - dt.timedelta(days=1), holder_ref="R7KQ2M"))


def revocations(signer, *booking_ids: str, generated_at: dt.datetime = T0) -> dict:
    return signer.sign_document({"format": "MT1-revocations", "generated_at": generated_at.isoformat(),
                                 "revoked": [{"booking_id": b, "until": T0.isoformat()} for b in booking_ids]})


def test_one_ticket_per_booking_version() -> None:
    """The id comes from the booking and its version, not from when it was asked for."""
    first = ticket_for(_booking(3), issued_at=T0 - dt.timedelta(hours=5), holder_ref="R")
    again = ticket_for(_booking(3), issued_at=T0 - dt.timedelta(hours=1), holder_ref="R")
    changed = ticket_for(_booking(4), issued_at=T0 - dt.timedelta(hours=1), holder_ref="R")
    assert first.id == again.id and changed.id != first.id


def test_a_signed_revocation_list_revokes_its_bookings(signer, token) -> None:
    keys = signer.public_keys()
    document = revocations(signer, "bkg_0123456789abcdef", "bkg_other")
    assert document["key_id"] == signer.key_id
    revoked = ticket_check.verify_revocations(json.loads(json.dumps(document)), keys)
    assert revoked == {"bkg_0123456789abcdef", "bkg_other"}
    with pytest.raises(ticket_check.TicketRejected) as refused:
        ticket_check.verify_ticket(token, keys, at=T0, revoked=revoked)
    assert refused.value.reason == "revoked"
    assert ticket_check.verify_ticket(token, keys, at=T0, revoked={"bkg_other"})["booking_id"] == "bkg_0123456789abcdef"


@pytest.mark.parametrize("spoil", [
    lambda d: d["revoked"].pop(),  # an entry dropped to let a cancelled ticket through
    lambda d: d.__setitem__("generated_at", "2030-01-01T00:00:00+09:00"),
    lambda d: d.__setitem__("key_id", "AAAAAAAA"),  # a key nobody published
    lambda d: d.pop("signature"),
    lambda d: d.__setitem__("signature", "!!"),
    lambda d: d.__setitem__("format", "something-else"),
    lambda d: d.__setitem__("revoked", [{"no": "booking"}]),
])
def test_a_revocation_list_that_is_not_genuine_is_refused(signer, spoil) -> None:
    document = revocations(signer, "bkg_0123456789abcdef")
    spoil(document)
    with pytest.raises(ticket_check.TicketRejected) as refused:
        ticket_check.verify_revocations(document, signer.public_keys())
    assert refused.value.reason == "bad_revocation_list"


def test_a_list_signed_by_another_key_is_refused(signer) -> None:
    other = Ed25519TicketSigner.generate()
    document = other.sign_document({**revocations(signer), "key_id": signer.key_id})  # claims to be ours
    forged = {**document, "key_id": signer.key_id}
    with pytest.raises(ticket_check.TicketRejected):
        ticket_check.verify_revocations(forged, signer.public_keys())


# -- maas tickets check, in-process --------------------------------------------------------------
@pytest.fixture
def files(tmp_path: Path, signer) -> dict[str, str]:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"algorithm": "Ed25519", "current_key_id": signer.key_id,
                                "keys": signer.public_keys()}), encoding="utf-8")
    empty, revoked = tmp_path / "none.json", tmp_path / "revoked.json"
    empty.write_text(json.dumps(revocations(signer)), encoding="utf-8")
    revoked.write_text(json.dumps(revocations(signer, "bkg_0123456789abcdef")), encoding="utf-8")
    other = tmp_path / "other-keys.json"
    other.write_text(json.dumps({"keys": Ed25519TicketSigner.generate().public_keys()}), encoding="utf-8")
    return {"keys": str(keys), "empty": str(empty), "revoked": str(revoked), "other": str(other),
            "junk": str(tmp_path / "missing.json")}


def check(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["tickets", "check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_accepts_a_valid_ticket(capsys, files, token) -> None:
    code, out, err = check(capsys, token, "--keys", files["keys"], "--revocations", files["empty"],
                           "--operator", "noriai", "--at", "2026-12-08T09:40+09:00")
    assert code == 0, err
    assert out.startswith("VALID ticket tkt_") and "bkg_0123456789abcdef" in out
    assert "noriai on_demand 09:00-11:05" in out


@pytest.mark.parametrize("extra, reason", [
    (["--at", "2026-12-08T11:06+09:00"], "expired"),
    (["--at", "2026-12-08T08:59+09:00"], "not_yet_valid"),
    (["--at", "2026-12-08T09:40+09:00", "--revocations", "{revoked}"], "revoked"),
    (["--at", "2026-12-08T09:40+09:00", "--operator", "yamabuki-kotsu-taxi"], "no_leg_for_operator"),
])
def test_the_cli_refuses_with_the_reason_and_exit_1(capsys, files, token, extra, reason) -> None:
    argv = [a.format(**files) for a in extra]
    code, out, err = check(capsys, token, "--keys", files["keys"], *argv)
    assert (code, out) == (1, "") and err.startswith(f"REFUSED ({reason})"), err


def test_the_cli_refuses_a_ticket_signed_by_a_key_it_was_not_given(capsys, files, token) -> None:
    code, _, err = check(capsys, token, "--keys", files["other"], "--at", "2026-12-08T09:40+09:00")
    assert code == 1 and err.startswith("REFUSED (unknown_key)")


def test_the_cli_refuses_a_tampered_token(capsys, files, token) -> None:
    code, _, err = check(capsys, token[:-4] + "AAAA", "--keys", files["keys"], "--at", "2026-12-08T09:40+09:00")
    assert code == 1 and err.startswith("REFUSED (bad_signature)")


@pytest.mark.parametrize("argv, says", [
    (["--keys", "{junk}"], "cannot check"),
    (["--keys", "{revoked}"], "holds no public keys"),
    (["--keys", "{keys}", "--at", "2026-12-08T09:40"], "offset"),
    (["--keys", "{keys}", "--revocations", "{keys}"], "not a ticket revocation list"),
    (["--keys", "{other}", "--revocations", "{revoked}"], "not genuine"),  # a list we cannot trust
])
def test_the_cli_says_why_it_cannot_check_and_exits_2(capsys, files, token, argv, says) -> None:
    code, out, err = check(capsys, token, *[a.format(**files) for a in argv])
    assert (code, out) == (2, "") and says in err, err


def test_the_cli_warns_of_a_stale_revocation_list(capsys, files, token, signer, tmp_path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(revocations(signer, generated_at=T0 - dt.timedelta(days=3))), encoding="utf-8")
    code, _, err = check(capsys, token, "--keys", files["keys"], "--revocations", str(old),
                         "--at", "2026-12-08T09:40+09:00")
    assert code == 0 and "fetch a new one" in err


def test_the_checker_runs_alone_too(capsys, files, token) -> None:
    assert ticket_check.main([token, "--keys", files["keys"], "--at", "2026-12-08T09:40+09:00"]) == 0
    assert capsys.readouterr().out.startswith("VALID")
