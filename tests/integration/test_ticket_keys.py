"""Ticket signing keys in the database (maas/ticket_keys.py), on SQLite and PostgreSQL: two API
processes sign with the same key; a rotated key is trusted everywhere before it signs, then
signs, and the old key stays published a grace period; private keys are stored encrypted under
MAAS_SECRET_KEY (another secret cannot open them); the key file of earlier releases is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from maas.domain.tickets import Ticket, TicketLeg
from maas.storage.signing_keys import SqlSigningKeys
from maas.ticket_keys import GRACE, KeyRingError, TicketKeyRing
from maas.ticketing import Ed25519TicketSigner
from tests.fakes import SteppedClock

T0 = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
SECRET = "a long secret for the tests"


def ring(engine, clock, secret: str = SECRET, legacy=None) -> tuple[TicketKeyRing, Ed25519TicketSigner]:
    signer = Ed25519TicketSigner.generate()  # what a process has before the ring loads
    return TicketKeyRing(SqlSigningKeys(engine), signer, secret, clock, legacy_pem=legacy), signer


def ticket() -> Ticket:
    start = T0 + dt.timedelta(hours=1)
    return Ticket(id="tk_1", booking_id="bk_1", holder_ref="h1", issued_at=T0, valid_from=start,
                  valid_until=start + dt.timedelta(hours=2),
                  legs=(TicketLeg(index=0, operator_id="taxi", mode="taxi", operator_booking_id="b1",
                                  valid_from=start, valid_until=start + dt.timedelta(hours=2)),))


async def test_two_processes_sign_with_one_key_and_rotate_together(engine, other_engine) -> None:
    clock = SteppedClock(T0)
    (one, signer_one), (two, signer_two) = ring(engine, clock), ring(other_engine, clock)
    assert signer_one.key_id != signer_two.key_id
    first = await one.refresh()
    assert await two.refresh() == first == signer_one.key_id == signer_two.key_id
    token = signer_one.sign(ticket())
    assert signer_two.verify(token, at=None).id == "tk_1"

    new = await one.rotate(dt.timedelta(minutes=2))
    await two.refresh()
    assert signer_two.key_id == first and new in signer_two.public_keys()  # trusted before it signs
    clock.advance(121)
    assert await two.refresh() == new and await one.refresh() == new
    assert signer_two.verify(signer_one.sign(ticket()), at=None).id == "tk_1"
    assert signer_one.verify(token, at=None).id == "tk_1"  # the old key's ticket still verifies
    assert set(signer_one.public_keys()) == {first, new}
    clock.advance(GRACE.total_seconds() + 60)  # no ticket of the old key is valid any more
    await one.refresh()
    assert set(signer_one.public_keys()) == {new}


@pytest.mark.sqlite_only  # the SQL is exercised on both databases above
async def test_private_keys_are_stored_encrypted_under_the_secret(engine) -> None:
    clock = SteppedClock(T0)
    keyring, _ = ring(engine, clock)
    await keyring.refresh()
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT private_key, public_pem FROM signing_keys"))).one()
    assert "PRIVATE KEY" not in stored.private_key and "PUBLIC KEY" in stored.public_pem
    stranger, _ = ring(engine, clock, secret="another secret altogether")
    with pytest.raises(KeyRingError, match="MAAS_SECRET_KEY"):
        await stranger.refresh()


@pytest.mark.sqlite_only  # the SQL is exercised on both databases above
async def test_the_key_file_of_earlier_releases_becomes_the_first_key(engine, tmp_path) -> None:
    legacy = tmp_path / "ticket-signing-key.pem"
    old = Ed25519TicketSigner.load_or_create(legacy)
    token = old.sign(ticket())
    keyring, signer = ring(engine, SteppedClock(T0), legacy=legacy)
    assert await keyring.refresh() == old.key_id
    assert signer.verify(token, at=None).id == "tk_1"
