"""Tickets: built only for bookings that can be travelled on, signed, refused when tampered with,
forged, malformed or used outside their validity, and checked the same way on an operator's device."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from maas import ticket_check
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.errors import Conflict
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.planning import Money
from maas.domain.tickets import Ticket, TicketInvalid, TicketNotValidNow, ticket_for
from maas.ticketing import Ed25519TicketSigner, qr_code

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2025, 5, 1, 9, 0, tzinfo=JST)  # the first leg departs
TRIP = [("kumagaya-ondemand", "on_demand"), ("chichibu-railway", "rail"), ("hello-cycling", "bike")]


def _booking(state: TripState = TripState.CONFIRMED) -> Booking:
    legs = []
    for index, (operator_id, mode) in enumerate(TRIP):  # 35-minute legs, one every 40 minutes
        departure = T0 + dt.timedelta(minutes=40 * index)
        arrival = departure + dt.timedelta(minutes=35)
        price = Money(amount_minor=500, currency="JPY")
        leg_booking = LegBooking(id=f"{operator_id}-bkg-0123456789abcdef", operator_id=operator_id,
                                 offer_id=f"off_{index}", state=BookingState.CONFIRMED, price=price,
                                 departure=departure, arrival=arrival)
        legs.append(BookedLeg(index=index, operator_id=operator_id, offer_id=f"off_{index}", mode=mode,
                              price=price, departure=departure, arrival=arrival, booking=leg_booking))
    return Booking(id="bkg_0123456789abcdef", account_id="acc_0123456789abcdef", state=state,
                   legs=tuple(legs), total=Money(amount_minor=1500, currency="JPY"),
                   idempotency_key="key-1", request_digest="digest", created_at=T0 - dt.timedelta(days=1),
                   updated_at=T0 - dt.timedelta(days=1))


@pytest.fixture(scope="module")
def signer() -> Ed25519TicketSigner:
    return Ed25519TicketSigner.generate()


@pytest.fixture(scope="module")
def ticket() -> Ticket:
    return ticket_for(_booking(), issued_at=T0 - dt.timedelta(hours=2), holder_ref="R7KQ2M")


@pytest.fixture(scope="module")
def token(signer: Ed25519TicketSigner, ticket: Ticket) -> str:
    return signer.sign(ticket)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _signed(signer: Ed25519TicketSigner, payload: dict) -> str:
    """A token for any payload, signed with `signer`'s private key."""
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    key = load_pem_private_key(signer.private_key_pem().encode(), password=None)
    return f"MT1.{body}.{_b64(key.sign(f'MT1.{body}'.encode()))}"


def _with_payload(token: str, payload: dict) -> str:
    """The token with another payload and the original signature: what a forger can make."""
    version, _, signature = token.split(".")
    return f"{version}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}.{signature}"


# --- building the ticket -------------------------------------------------------------------------

def test_ticket_covers_each_leg_from_30_minutes_before_departure_to_an_hour_after_arrival(ticket: Ticket) -> None:
    assert [leg.operator_id for leg in ticket.legs] == [op for op, _ in TRIP]
    assert ticket.legs[0].operator_booking_id == "kumagaya-ondemand-bkg-0123456789abcdef"
    assert ticket.legs[0].valid_from == T0 - dt.timedelta(minutes=30)
    assert ticket.legs[2].valid_until == T0 + dt.timedelta(minutes=80 + 35 + 60)
    assert (ticket.valid_from, ticket.valid_until) == (ticket.legs[0].valid_from, ticket.legs[2].valid_until)
    assert ticket.holder_ref == "R7KQ2M" and "acc_" not in ticket.model_dump_json()


@pytest.mark.parametrize("state", [TripState.CONDITIONAL_CONFIRMED, TripState.CONFIRMED, TripState.STARTED])
def test_a_booking_that_can_be_travelled_on_gets_a_ticket(state: TripState) -> None:
    assert ticket_for(_booking(state), issued_at=T0, holder_ref="R7KQ2M").booking_id == "bkg_0123456789abcdef"


@pytest.mark.parametrize("state", [TripState.REJECTED, TripState.CANCELLED, TripState.PENDING,
                                   TripState.EXPIRED, TripState.FINISHED])
def test_no_ticket_for_a_booking_that_cannot_be_travelled_on(state: TripState) -> None:
    with pytest.raises(Conflict):
        ticket_for(_booking(state), issued_at=T0, holder_ref="R7KQ2M")


def test_holder_reference_cannot_carry_personal_data() -> None:
    with pytest.raises(ValueError):
        ticket_for(_booking(), issued_at=T0, holder_ref="hanako.yamada@example.jp")


def test_ticket_for_is_pure() -> None:
    assert ticket_for(_booking(), issued_at=T0, holder_ref="R") == ticket_for(_booking(), issued_at=T0, holder_ref="R")


# --- signing and verifying -----------------------------------------------------------------------

def test_round_trip(signer: Ed25519TicketSigner, ticket: Ticket, token: str) -> None:
    assert token.startswith("MT1.")
    verified = signer.verify(token, at=T0)
    assert verified == ticket.model_copy(update={"key_id": signer.key_id})
    assert _payload(token)["k"] == signer.key_id


@pytest.mark.parametrize("change", [
    lambda p: p["l"][1].__setitem__(1, "another-railway"),  # another leg's operator
    lambda p: p.__setitem__("u", p["u"] + 86400),  # a day more validity
    lambda p: p["l"][0].__setitem__(5, p["l"][0][5] + 3600),  # one leg valid longer
    lambda p: p.__setitem__("b", "bkg_someone_else"),
])
def test_a_tampered_payload_is_refused(signer: Ed25519TicketSigner, token: str, change) -> None:
    payload = _payload(token)
    change(payload)
    with pytest.raises(TicketInvalid) as caught:
        signer.verify(_with_payload(token, payload), at=T0)
    assert caught.value.code == "ticket_invalid"


def test_a_token_forged_with_another_key_under_our_key_id_is_refused(signer: Ed25519TicketSigner, ticket: Ticket) -> None:
    forger = Ed25519TicketSigner.generate()
    payload = _payload(forger.sign(ticket))
    payload["k"] = signer.key_id
    with pytest.raises(TicketInvalid) as caught:
        signer.verify(_signed(forger, payload), at=T0)
    assert caught.value.fields == {"reason": "bad_signature"}


def test_a_token_from_an_unknown_key_is_refused(signer: Ed25519TicketSigner, ticket: Ticket) -> None:
    with pytest.raises(TicketInvalid) as caught:
        signer.verify(Ed25519TicketSigner.generate().sign(ticket), at=T0)
    assert caught.value.fields == {"reason": "unknown_key"}


def test_after_a_key_rotation_tickets_of_the_old_key_still_verify(signer: Ed25519TicketSigner, token: str) -> None:
    rotated = Ed25519TicketSigner.generate(trusted={signer.key_id: signer.public_key_pem()})
    assert rotated.key_id != signer.key_id
    assert rotated.verify(token, at=T0).key_id == signer.key_id
    assert set(rotated.public_keys()) == {signer.key_id, rotated.key_id}


def _malformed(token: str) -> dict[str, str]:
    version, body, signature = token.split(".")
    # 64 signature bytes leave 4 unused bits in the last character; setting one changes the text
    # but not the bytes.
    non_canonical = signature[:-1] + {"A": "B", "Q": "R", "g": "h", "w": "x"}[signature[-1]]
    return {
        "empty": "",
        "no dot": "MT1" + body + signature,
        "two parts": f"{version}.{body}",
        "four parts": f"{token}.{signature}",
        "bad base64": f"{version}.{body[:-3]}*!$.{signature}",
        "bad base64 signature": f"{version}.{body}.%%%%",
        "non-canonical base64": f"{version}.{body}.{non_canonical}",
        "bad JSON": f"{version}.{_b64(b'{not json')}.{signature}",
        "JSON list": f"{version}.{_b64(b'[1, 2]')}.{signature}",
        "not UTF-8": f"{version}.{_b64(bytes([0xff, 0xfe]))}.{signature}",
        "wrong version": f"MT2.{body}.{signature}",
        "no version": f".{body}.{signature}",
        "non-ASCII": f"{version}.{body}.{signature}\u30c1",
        "huge": f"{version}.{'A' * 10_000}.{signature}",
        "truncated signature": f"{version}.{body}.{signature[:20]}",
        "empty signature": f"{version}.{body}.",
    }


MALFORMED = ["empty", "no dot", "two parts", "four parts", "bad base64", "bad base64 signature",
             "non-canonical base64", "bad JSON", "JSON list", "not UTF-8", "wrong version", "no version",
             "non-ASCII", "huge", "truncated signature", "empty signature"]


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_tokens_are_invalid_and_raise_nothing_else(signer: Ed25519TicketSigner, token: str, case: str) -> None:
    bad = _malformed(token)[case]
    with pytest.raises(TicketInvalid):
        signer.verify(bad, at=T0)
    with pytest.raises(ticket_check.TicketRejected) as caught:
        ticket_check.verify_ticket(bad, signer.public_keys(), at=T0)
    assert caught.value.reason in {"malformed", "bad_signature"}


def test_a_validly_signed_token_without_ticket_claims_is_invalid() -> None:
    signer = Ed25519TicketSigner.generate()  # a bug or a stolen key must not crash the verifier
    for payload in ({"k": signer.key_id, "l": "nope"}, {"k": signer.key_id, "t": "x"},
                    {"k": signer.key_id, "t": "x", "b": "b", "h": "h", "i": 0, "f": 10**12, "u": 1, "l": []}):
        with pytest.raises(TicketInvalid):
            signer.verify(_signed(signer, payload), at=T0)


def test_expired_and_not_yet_valid(signer: Ed25519TicketSigner, ticket: Ticket, token: str) -> None:
    with pytest.raises(TicketNotValidNow) as early:
        signer.verify(token, at=ticket.valid_from - dt.timedelta(seconds=1))
    assert early.value.code == "ticket_not_valid_now" and early.value.fields == {"reason": "not_yet_valid"}
    assert signer.verify(token, at=ticket.valid_from).id == ticket.id
    assert signer.verify(token, at=ticket.valid_until - dt.timedelta(seconds=1)).id == ticket.id
    with pytest.raises(TicketNotValidNow) as late:
        signer.verify(token, at=ticket.valid_until)
    assert late.value.fields == {"reason": "expired"}


# --- the operators' check ------------------------------------------------------------------------

@pytest.mark.parametrize("offset_min, expected", [
    (-31, "not_yet_valid"), (-30, None), (0, None), (174, None), (175, "expired"), (24 * 60, "expired"),
])
def test_ticket_check_agrees_with_the_signer_on_validity(signer: Ed25519TicketSigner, token: str,
                                                          offset_min: int, expected: str | None) -> None:
    at = T0 + dt.timedelta(minutes=offset_min)
    keys = {signer.key_id: signer.public_key_pem()}
    if expected is None:
        claims = ticket_check.verify_ticket(token, keys, at=at)
        assert Ticket.model_validate(claims) == signer.verify(token, at=at)
        return
    with pytest.raises(ticket_check.TicketRejected) as caught:
        ticket_check.verify_ticket(token, keys, at=at)
    assert caught.value.reason == expected
    with pytest.raises(TicketNotValidNow):
        signer.verify(token, at=at)


def test_ticket_check_refuses_tampered_forged_and_unknown_key_tokens(signer: Ed25519TicketSigner, ticket: Ticket,
                                                                     token: str) -> None:
    keys = signer.public_keys()
    payload = _payload(token)
    payload["l"][0][1] = "another-operator"
    stranger = Ed25519TicketSigner.generate().sign(ticket)
    for bad, reason in [(_with_payload(token, payload), "bad_signature"), (stranger, "unknown_key")]:
        with pytest.raises(ticket_check.TicketRejected) as caught:
            ticket_check.verify_ticket(bad, keys, at=T0)
        assert caught.value.reason == reason
        with pytest.raises(TicketInvalid):
            signer.verify(bad, at=T0)


def test_ticket_check_filters_by_operator(signer: Ed25519TicketSigner, token: str) -> None:
    keys = signer.public_keys()
    at = T0 + dt.timedelta(minutes=10)  # on the on-demand van; the train leaves at 09:40
    claims = ticket_check.verify_ticket(token, keys, at=at, operator_id="kumagaya-ondemand")
    assert claims["booking_id"] == "bkg_0123456789abcdef"
    assert ticket_check.verify_ticket(token, keys, at=at, operator_id="chichibu-railway")  # 30 min early
    for operator_id in ("hello-cycling", "tobu-bus"):  # not yet its leg; not on this ticket at all
        with pytest.raises(ticket_check.TicketRejected) as caught:
            ticket_check.verify_ticket(token, keys, at=at, operator_id=operator_id)
        assert caught.value.reason == "no_leg_for_operator"


def test_ticket_check_needs_an_aware_time(signer: Ed25519TicketSigner, token: str) -> None:
    with pytest.raises(ValueError):
        ticket_check.verify_ticket(token, signer.public_keys(), at=dt.datetime(2025, 5, 1, 9))


def test_ticket_check_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(Path(ticket_check.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


# --- QR codes ------------------------------------------------------------------------------------

def test_qr_codes_of_a_three_leg_ticket(signer: Ed25519TicketSigner, token: str) -> None:
    code = qr_code(token)
    assert code.error == "M" and code.version <= 25
    assert signer.qr_svg(token).lstrip().startswith("<svg")
    assert signer.qr_png(token).startswith(b"\x89PNG\r\n\x1a\n")


# --- keys ----------------------------------------------------------------------------------------

def test_load_or_create_makes_a_private_key_file_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ticket-signing-key.pem"
    old_umask = os.umask(0)  # the file must be private even where the umask is not
    try:
        first = Ed25519TicketSigner.load_or_create(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_bytes()
    second = Ed25519TicketSigner.load_or_create(path)
    assert second.key_id == first.key_id and path.read_bytes() == written
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert Ed25519TicketSigner.from_pem(first.private_key_pem()).key_id == first.key_id


def test_from_pem_refuses_a_key_that_is_not_ed25519() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(ValueError):
        Ed25519TicketSigner.from_pem(pem)
