"""Accounts opened and looked up by call-centre agents and admins."""

from __future__ import annotations

from maas.api.endpoints import ANY_ROLE, Call, EndpointTable
from maas.api.routes.auth import new_account
from maas.api.schemas import AccountCreateRequest, AccountList, AccountOut, AccountSearch
from maas.domain.accounts import Role

routes = EndpointTable()
STAFF = (Role.AGENT, Role.ADMIN)


@routes.route("POST", "/v1/accounts", summary="Open an account for someone", tags=("accounts",), roles=STAFF,
              body=AccountCreateRequest, response=AccountOut, status=201, errors=(409,))
async def create_account(call: Call) -> AccountOut:
    """Agents open rider accounts for people who phone in; admins open staff accounts."""
    body: AccountCreateRequest = call.body
    account = await call.container.auth.register(new_account(body, Role(body.role)), by=call.principal)
    return AccountOut.of(account)


@routes.route("GET", "/v1/accounts", summary="List or search accounts", tags=("accounts",), roles=STAFF,
              query=AccountSearch, response=AccountList, errors=(422,))
async def list_accounts(call: Call) -> AccountList:
    """The call centre finds a caller with `q`: part of their name (spaces ignored) or email, four or
    more digits of their phone number, or their member number; `role=rider` leaves staff out."""
    query: AccountSearch = call.query
    accounts = await call.container.auth.list_accounts(role=query.role, limit=query.limit, offset=query.offset,
                                                       q=query.q)
    return AccountList(items=[AccountOut.of(a) for a in accounts])


@routes.route("GET", "/v1/accounts/{account_id}", summary="One account", tags=("accounts",), roles=ANY_ROLE,
              response=AccountOut, errors=(404,))
async def get_account(call: Call) -> AccountOut:
    """Riders see their own account; agents and admins see any."""
    assert call.principal is not None
    return AccountOut.of(await call.container.auth.get_account(call.path("account_id"), by=call.principal,
                                                               reason=call.request.headers.get("X-Access-Reason")))
