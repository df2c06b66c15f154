"""Sign-in, sign-out, self sign-up and "who am I"."""

from __future__ import annotations

from maas.api.endpoints import ANY_ROLE, Call, EndpointTable
from maas.api.schemas import AccountOut, LoginRequest, MeResponse, RegisterRequest, TokenResponse
from maas.domain.accounts import ACCOUNT_ROLES, GeoPoint, NewAccount, Role

routes = EndpointTable()


@routes.route("POST", "/v1/auth/token", summary="Sign in with email and password", tags=("auth",), roles=None,
              body=LoginRequest, response=TokenResponse, status=201, errors=(401,), limit="sign_in")
async def create_token(call: Call) -> TokenResponse:
    body: LoginRequest = call.body
    issued = await call.container.auth.login(body.email, body.password)
    return TokenResponse(token=issued.token, expires_at=issued.expires_at, account=AccountOut.of(issued.account))


@routes.route("DELETE", "/v1/auth/token", summary="Sign out (revoke this session token)", tags=("auth",),
              roles=tuple(sorted(ACCOUNT_ROLES, key=lambda r: r.value)), status=204)
async def delete_token(call: Call) -> None:
    """Operator API keys are revoked through their operator's api-keys resource, not here."""
    credential = call.request.headers["Authorization"].partition(" ")[2].strip()
    await call.container.auth.logout(credential)


@routes.route("POST", "/v1/auth/register", summary="Open a rider account", tags=("auth",), roles=None,
              body=RegisterRequest, response=AccountOut, status=201, errors=(409,), limit="register")
async def register_rider(call: Call) -> AccountOut:
    body: RegisterRequest = call.body
    account = await call.container.auth.register(new_account(body, Role.RIDER), by=None)
    return AccountOut.of(account)


@routes.route("GET", "/v1/me", summary="The caller: account or operator key", tags=("auth",), roles=ANY_ROLE,
              response=MeResponse)
async def get_me(call: Call) -> MeResponse:
    principal = call.principal
    assert principal is not None
    account = None
    if principal.role is not Role.OPERATOR:
        account = AccountOut.of(await call.container.auth.get_account(principal.subject_id, by=principal))
    return MeResponse(subject_id=principal.subject_id, role=principal.role.value, operator_id=principal.operator_id,
                      account=account)


def new_account(body: RegisterRequest, role: Role) -> NewAccount:
    return NewAccount(
        email=body.email, display_name=body.display_name, role=role, password=body.password,
        birth_date=body.birth_date, home=GeoPoint(lat=body.home.lat, lon=body.home.lon) if body.home else None,
        needs=tuple(body.needs), resident=body.resident, phone=body.phone,
        member_no=getattr(body, "member_no", None), display_name_kana=body.display_name_kana,
    )
