"""Concession claims and anonymising records, without I/O: who may decide a claim, on what, until
when; what a scrubbed payload keeps; names and emails as stored."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.entitlements import (CannotVerifyOwnClaim, ClaimNotPending, ClaimStatus, ClaimType, Entitlements,
                                      decide, declared)
from maas.domain.errors import InvalidRequest
from maas.domain.privacy import ERASED, coarsen, is_coarse, scrub
from maas.domain.text_safety import clean_email, clean_text

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def age(by: str = "acc_haru") -> object:
    return declared(claim_id="clm_1", account_id="acc_haru", kind=ClaimType.AGE, value="1941-05-12", by=by, at=AT)


def test_only_someone_else_verifies_a_claim_and_only_on_a_named_document() -> None:
    with pytest.raises(CannotVerifyOwnClaim):
        decide(age(), by="acc_haru", at=AT, verified=True, document_type="my_number_card", valid_until=None, reason=None)
    with pytest.raises(InvalidRequest) as missing:
        decide(age(), by="acc_ito", at=AT, verified=True, document_type=None, valid_until=None, reason=None)
    assert "document_type" in missing.value.fields
    with pytest.raises(InvalidRequest):
        decide(age(), by="acc_ito", at=AT, verified=True, document_type="a photo", valid_until=None, reason=None)
    with pytest.raises(InvalidRequest) as no_reason:
        decide(age(), by="acc_ito", at=AT, verified=False, document_type=None, valid_until=None, reason=" ")
    assert "reason" in no_reason.value.fields
    done = decide(age(), by="acc_ito", at=AT, verified=True, document_type="my_number_card",
                  valid_until=dt.date(2026, 12, 31), reason=None)
    assert (done.status, done.decided_by, done.document_type) == (ClaimStatus.VERIFIED, "acc_ito", "my_number_card")
    with pytest.raises(ClaimNotPending):
        decide(done, by="acc_sato", at=AT, verified=False, document_type=None, valid_until=None, reason="wrong")


def test_a_verified_claim_counts_until_its_last_day_and_a_declared_one_never() -> None:
    verified = decide(age(), by="acc_ito", at=AT, verified=True, document_type="my_number_card",
                      valid_until=dt.date(2026, 12, 31), reason=None)
    rider = Entitlements.of([verified]).rider_on(dt.date(2026, 12, 31))
    assert rider.age == 85 and not rider.resident
    assert Entitlements.of([verified]).rider_on(dt.date(2027, 1, 1)).age is None
    assert verified.status_on(dt.date(2027, 1, 1)) is ClaimStatus.EXPIRED
    assert Entitlements.of([age()]).rider_on(dt.date(2026, 12, 2)).age is None


@pytest.mark.parametrize("kind, value", [(ClaimType.AGE, "85"), (ClaimType.RESIDENCY, "yes"),
                                         (ClaimType.DISABILITY, "limp")])
def test_claim_values_are_checked(kind, value) -> None:
    with pytest.raises(InvalidRequest):
        declared(claim_id="c", account_id="a", kind=kind, value=value, by="a", at=AT)


def test_scrub_blanks_secrets_and_coarsens_points_but_keeps_the_shape() -> None:
    payload = {"schema_version": 3, "rider_name": "佐藤 ハル", "note": "for 佐藤 ハル at home",
               "origin": {"lat": 36.40537, "lon": 138.90213}, "price": {"amount_minor": 300, "currency": "JPY"},
               "legs": [{"destination": {"lat": 36.412526, "lon": 138.91438}, "flag": True}]}
    out = scrub(payload, ["佐藤 ハル", "", "x"])
    assert out["rider_name"] == ERASED and out["note"] == "for  at home"
    assert out["schema_version"] == 3 and out["price"] == payload["price"] and out["legs"][0]["flag"] is True
    assert is_coarse(out["origin"]["lat"], out["origin"]["lon"]) and out["origin"] != payload["origin"]
    assert coarsen(*coarsen(36.40537, 138.90213)) == coarsen(36.40537, 138.90213)
    lat, lon = coarsen(36.40537, 138.90213)
    assert abs(lat - 36.40537) <= 1 / 960 and abs(lon - 138.90213) <= 1 / 640  # inside its 7.5" x 11.25" cell


def test_names_and_emails_are_normalised_or_refused() -> None:
    assert clean_email(" ＨＡＲＵ@Example.JP ") == "haru@example.jp"
    assert clean_text("ｻﾄｳ　ﾊﾙ", "display_name") == "サトウ ハル"
    for bad in ("ha\u200bru@example.jp", "h\u0430ru@example.jp", "haru@exam\u202eple.jp"):
        with pytest.raises(InvalidRequest):
            clean_email(bad)
    with pytest.raises(InvalidRequest):
        clean_text("佐藤\u2066ハル", "display_name")
