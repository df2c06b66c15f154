"""The rider's rights over their data (export, correct, delete), consents, concession claims and
who looked: for the rider, or call-centre staff for a caller (`for_rider`, `X-Access-Reason`)."""

from __future__ import annotations

import datetime as dt
import json

from maas.api.endpoints import Binary, Call, EndpointTable
from maas.api.privacy_schemas import (AccessEntryOut, AccessLog, ClaimList, ClaimOut, ClaimRequest, ConsentAnswers,
                                      ConsentList, ConsentOut, ErasureOut, ForRider, ProfilePatch, RejectRequest,
                                      VerifyRequest)
from maas.api.schemas import AccountOut
from maas.domain.accounts import ACCOUNT_ROLES, Role
from maas.domain.entitlements import ClaimType
from maas.domain.privacy import ConsentKind

routes = EndpointTable()
ACCOUNTS = tuple(sorted(ACCOUNT_ROLES, key=lambda r: r.value))
STAFF = (Role.AGENT, Role.ADMIN)


def _reason(call: Call) -> str | None:
    return call.request.headers.get("X-Access-Reason")


def _today(call: Call) -> dt.date:
    return call.container.privacy.today()


@routes.route("GET", "/v1/me/export", summary="Download everything stored about me (JSON)", tags=("privacy",),
              roles=ACCOUNTS, query=ForRider, errors=(404, 410, 422))
async def export_me(call: Call) -> Binary:
    """Profile, claims, consents, bookings, rides, tickets, passes, payments, the saved payment
    method's ids (no card data) and the access audit about the rider; nothing of anyone else's."""
    assert call.principal is not None
    data = await call.container.privacy.export(call.principal, call.query.for_rider, reason=_reason(call))
    body = json.dumps(data, ensure_ascii=False, default=str, indent=1).encode()
    return Binary(body, "application/json",
                  headers={"Content-Disposition": f'attachment; filename="{data["account_id"]}-export.json"'})


@routes.route("PATCH", "/v1/me", summary="Correct my profile", tags=("privacy",), roles=ACCOUNTS,
              body=ProfilePatch, query=ForRider, response=AccountOut, errors=(404, 409, 410, 422))
async def correct_me(call: Call) -> AccountOut:
    assert call.principal is not None
    changes = call.body.model_dump(exclude_unset=True)
    account = await call.container.privacy.correct(call.principal, changes, call.query.for_rider,
                                                   reason=_reason(call))
    return AccountOut.of(account)


@routes.route("DELETE", "/v1/me", summary="Delete my account and personal data", tags=("privacy",),
              roles=ACCOUNTS, query=ForRider, response=ErasureOut, errors=(404, 409, 410, 422))
async def delete_me(call: Call) -> ErasureOut:
    """Open bookings are cancelled under their terms; a trip under way refuses it (409). Settled
    amounts stay on the books, anonymised; sessions and the saved card are gone."""
    assert call.principal is not None
    done = await call.container.privacy.erase(call.principal, call.query.for_rider, reason=_reason(call))
    return ErasureOut(**done)


@routes.route("GET", "/v1/me/access-log", summary="Who looked at or changed my data", tags=("privacy",),
              roles=ACCOUNTS, query=ForRider, response=AccessLog, errors=(410,))
async def my_access_log(call: Call) -> AccessLog:
    assert call.principal is not None
    entries = await call.container.privacy.access_log(call.principal, call.query.for_rider)
    return AccessLog(items=[AccessEntryOut.of(e) for e in entries])


@routes.route("GET", "/v1/me/consents", summary="What I agreed to", tags=("privacy",), roles=ACCOUNTS,
              response=ConsentList)
async def my_consents(call: Call) -> ConsentList:
    assert call.principal is not None
    return ConsentList(items=[ConsentOut.of(c) for c in await call.container.privacy.consents(call.principal)])


@routes.route("PUT", "/v1/me/consents", summary="Give or withdraw consent", tags=("privacy",), roles=ACCOUNTS,
              body=ConsentAnswers, response=ConsentList, errors=(410, 422))
async def answer_consents(call: Call) -> ConsentList:
    assert call.principal is not None
    answers = {ConsentKind(k): v for k, v in call.body.model_dump(exclude_none=True).items()}
    return ConsentList(items=[ConsentOut.of(c) for c in await call.container.privacy.answer(call.principal, answers)])


@routes.route("GET", "/v1/me/claims", summary="My concession claims", tags=("privacy",), roles=ACCOUNTS,
              response=ClaimList)
async def my_claims(call: Call) -> ClaimList:
    assert call.principal is not None
    claims = await call.container.entitlements.list_claims(call.principal, call.principal.subject_id)
    return ClaimList(items=[ClaimOut.of(c, _today(call)) for c in claims])


@routes.route("POST", "/v1/me/claims", summary="Declare a concession ground", tags=("privacy",), roles=ACCOUNTS,
              body=ClaimRequest, response=ClaimOut, status=201, errors=(403, 422))
async def declare_claim(call: Call) -> ClaimOut:
    """Declared claims lower no fare until staff verify them on a document."""
    assert call.principal is not None
    claim = await call.container.entitlements.declare(call.principal, call.principal.subject_id,
                                                      ClaimType(call.body.type), call.body.value)
    return ClaimOut.of(claim, _today(call))


@routes.route("GET", "/v1/accounts/{account_id}/claims", summary="A rider's concession claims", tags=("privacy",),
              roles=STAFF, response=ClaimList, errors=(404, 422))
async def account_claims(call: Call) -> ClaimList:
    assert call.principal is not None
    claims = await call.container.entitlements.list_claims(call.principal, call.path("account_id"),
                                                           reason=_reason(call))
    return ClaimList(items=[ClaimOut.of(c, _today(call)) for c in claims])


@routes.route("POST", "/v1/accounts/{account_id}/claims/{claim_id}/verify", summary="Verify a claim on a document",
              tags=("privacy",), roles=STAFF, body=VerifyRequest, response=ClaimOut, errors=(403, 404, 409, 422))
async def verify_claim(call: Call) -> ClaimOut:
    """Staff other than the holder, on a named document; `valid_until` ends it (inclusive)."""
    assert call.principal is not None
    body: VerifyRequest = call.body
    claim = await call.container.entitlements.decide(
        call.principal, call.path("account_id"), call.path("claim_id"), verified=True,
        document_type=body.document_type, valid_until=body.valid_until, reason=body.reason)
    return ClaimOut.of(claim, _today(call))


@routes.route("POST", "/v1/accounts/{account_id}/claims/{claim_id}/reject", summary="Reject a claim",
              tags=("privacy",), roles=STAFF, body=RejectRequest, response=ClaimOut, errors=(403, 404, 409, 422))
async def reject_claim(call: Call) -> ClaimOut:
    assert call.principal is not None
    body: RejectRequest = call.body
    claim = await call.container.entitlements.decide(
        call.principal, call.path("account_id"), call.path("claim_id"), verified=False,
        document_type=body.document_type, valid_until=None, reason=body.reason)
    return ClaimOut.of(claim, _today(call))
