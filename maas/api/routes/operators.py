"""Operators and their API keys: admins register operators; keys are scoped to one operator."""

from __future__ import annotations

from maas.api.endpoints import ANY_ROLE, Call, EndpointTable
from maas.api.schemas import (
    ApiKeyCreateRequest,
    ApiKeyIssued,
    ApiKeyList,
    ApiKeyOut,
    OperatorCreateRequest,
    OperatorList,
    OperatorOut,
)
from maas.domain.accounts import Role

routes = EndpointTable()
ADMIN = (Role.ADMIN,)


@routes.route("GET", "/v1/operators", summary="Operators on the platform", tags=("operators",), roles=ANY_ROLE,
              response=OperatorList)
async def list_operators(call: Call) -> OperatorList:
    return OperatorList(items=[OperatorOut.of(o) for o in await call.container.operators.list_operators()])


@routes.route("POST", "/v1/operators", summary="Register an operator", tags=("operators",), roles=ADMIN,
              body=OperatorCreateRequest, response=OperatorOut, status=201, errors=(409,))
async def create_operator(call: Call) -> OperatorOut:
    body: OperatorCreateRequest = call.body
    operator = await call.container.operators.register(
        operator_id=body.id, name=body.name, name_en=body.name_en, mode=body.mode, kind=body.kind)
    return OperatorOut.of(operator)


@routes.route("GET", "/v1/operators/{operator_id}", summary="One operator", tags=("operators",), roles=ANY_ROLE,
              response=OperatorOut, errors=(404,))
async def get_operator(call: Call) -> OperatorOut:
    return OperatorOut.of(await call.container.operators.get(call.path("operator_id")))


@routes.route("GET", "/v1/operators/{operator_id}/api-keys", summary="An operator's API keys",
              tags=("operators",), roles=(Role.ADMIN, Role.OPERATOR), response=ApiKeyList, errors=(404,))
async def list_api_keys(call: Call) -> ApiKeyList:
    """Admins see any operator's keys; an operator's key sees only its own operator's."""
    operator_id = call.path("operator_id")
    assert call.principal is not None
    call.principal.require_operator(operator_id)
    return ApiKeyList(items=[ApiKeyOut.of(k) for k in await call.container.auth.list_api_keys(operator_id)])


@routes.route("POST", "/v1/operators/{operator_id}/api-keys", summary="Issue an API key (shown once)",
              tags=("operators",), roles=ADMIN, body=ApiKeyCreateRequest, response=ApiKeyIssued, status=201,
              errors=(404,))
async def create_api_key(call: Call) -> ApiKeyIssued:
    issued = await call.container.auth.issue_api_key(call.path("operator_id"), call.body.label)
    return ApiKeyIssued(**ApiKeyOut.of(issued.key).model_dump(), secret=issued.secret)


@routes.route("DELETE", "/v1/operators/{operator_id}/api-keys/{key_id}", summary="Revoke an API key",
              tags=("operators",), roles=(Role.ADMIN, Role.OPERATOR), status=204, errors=(404,))
async def revoke_api_key(call: Call) -> None:
    """An operator may revoke its own keys (for example a leaked one); admins any."""
    operator_id = call.path("operator_id")
    assert call.principal is not None
    call.principal.require_operator(operator_id)
    await call.container.auth.revoke_api_key(operator_id, call.path("key_id"))
