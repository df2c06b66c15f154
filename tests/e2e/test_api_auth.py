"""Authentication and roles: tokens, API keys scoped to one operator, 401s and 403s, no secrets in logs."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from maas.domain.accounts import Role
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5


async def test_rider_signs_up_signs_in_and_sees_itself(client) -> None:
    signup = await client.post("/v1/auth/register", json={
        "email": "Hanako@Test.maas.example", "password": "long enough pw", "display_name": "山田 花子",
        "birth_date": "1948-05-03", "home": {"lat": 36.4, "lon": 138.9}, "needs": ["walking_aid"],
        "resident": True})
    assert signup.status == 201, await signup.text()
    account = await signup.json()
    assert account["role"] == "rider" and account["email"] == "hanako@test.maas.example"

    login = await client.post("/v1/auth/token", json={"email": "hanako@test.maas.example",
                                                      "password": "long enough pw"})
    assert login.status == 201
    token = (await login.json())["token"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200
    body = await me.json()
    assert body["role"] == "rider" and body["account"]["display_name"] == "山田 花子"
    assert body["account"]["needs"] == ["walking_aid"]


async def test_duplicate_sign_up_looks_like_any_sign_up_and_keeps_the_first_account(client) -> None:
    """Sign-up must not tell a stranger which emails have accounts: the same 201 and shape, but
    nothing is saved and only the first account's password signs in."""
    data = {"email": "dup@test.maas.example", "password": "long enough pw", "display_name": "first"}
    first = await client.post("/v1/auth/register", json=data)
    assert first.status == 201
    again = await client.post("/v1/auth/register", json={**data, "email": "DUP@test.maas.example",
                                                          "display_name": "second", "password": "another password"})
    assert again.status == 201 and set(await again.json()) == set(await first.json())
    assert (await again.json())["id"] != (await first.json())["id"]
    login = await client.post("/v1/auth/token", json={"email": data["email"], "password": data["password"]})
    assert (await login.json())["account"]["display_name"] == "first"
    second = await client.post("/v1/auth/token", json={"email": data["email"], "password": "another password"})
    assert second.status == 401


@pytest.mark.parametrize("field, value", [("email", "ha\u200bru@test.maas.example"),
                                          ("display_name", "佐藤\u202eハル"), ("email", "hаru@test.maas.example")])
async def test_invisible_and_look_alike_characters_are_refused(client, field, value) -> None:
    data = {"email": "haru@test.maas.example", "password": "long enough pw", "display_name": "佐藤 ハル"}
    response = await client.post("/v1/auth/register", json={**data, field: value.encode().decode("unicode_escape")})
    assert response.status == 422
    assert field in (await response.json())["error"]["fields"]


async def test_full_width_email_and_name_are_stored_normalised(client) -> None:
    data = {"email": "ＨＡＲＵ@test.maas.example", "password": "long enough pw", "display_name": "ｻﾄｳ ﾊﾙ"}
    body = await (await client.post("/v1/auth/register", json=data)).json()
    assert body["email"] == "haru@test.maas.example" and body["display_name"] == "サトウ ハル"


async def test_weak_password_and_bad_email_are_named(client) -> None:
    response = await client.post("/v1/auth/register", json={
        "email": "not-an-email", "password": "long enough pw", "display_name": "x"})
    assert response.status == 422
    assert "email" in (await response.json())["error"]["fields"]
    short = await client.post("/v1/auth/register", json={
        "email": "a@test.maas.example", "password": "short", "display_name": "x"})
    assert short.status == 422 and "body.password" in (await short.json())["error"]["fields"]


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwdw==", "Bearer mt_not-a-real-token",
                                    "Bearer mk_deadbeef_nope", "Bearer something-else"])
async def test_missing_or_unknown_credentials_are_401(client, header) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = await client.get("/v1/me", headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_wrong_password_is_401_with_the_same_message_as_unknown_email(client, sign_in) -> None:
    await sign_in(Role.RIDER, "known@test.maas.example")
    wrong = await client.post("/v1/auth/token", json={"email": "known@test.maas.example", "password": "nope"})
    unknown = await client.post("/v1/auth/token", json={"email": "nobody@test.maas.example", "password": "nope"})
    assert wrong.status == unknown.status == 401
    assert (await wrong.json()) == (await unknown.json())


async def test_signed_out_token_no_longer_works(client, sign_in) -> None:
    rider = await sign_in(Role.RIDER)
    assert (await client.delete("/v1/auth/token", headers=rider.headers)).status == 204
    assert (await client.get("/v1/me", headers=rider.headers)).status == 401


async def test_expired_token_is_rejected(client, sign_in, container, monkeypatch) -> None:
    rider = await sign_in(Role.RIDER)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=container.settings.token_ttl_s + 1)
    monkeypatch.setattr(container.auth, "_clock", type("Later", (), {"now": staticmethod(lambda: later)})())
    response = await client.get("/v1/me", headers={**rider.headers, "Accept-Language": "en"})
    assert response.status == 401
    assert "expired" in (await response.json())["error"]["message"]  # the English detail


async def test_signing_in_again_purges_expired_sessions(client, sign_in, container, monkeypatch) -> None:
    first = await sign_in(Role.RIDER, "again@test.maas.example")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=container.settings.token_ttl_s + 1)
    monkeypatch.setattr(container.auth, "_clock", type("Later", (), {"now": staticmethod(lambda: later)})())
    again = await client.post("/v1/auth/token", json={"email": "again@test.maas.example", "password": PASSWORD})
    assert again.status == 201
    token = (await again.json())["token"]
    async with container.uow() as uow:
        assert await uow.accounts.find_session(container.auth._digest(first.token)) is None
        assert await uow.accounts.find_session(container.auth._digest(token)) is not None
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status == 200


async def test_roles_gate_the_endpoints(client, sign_in) -> None:
    rider, agent, analyst, admin = [await sign_in(r) for r in (Role.RIDER, Role.AGENT, Role.ANALYST, Role.ADMIN)]
    assert (await client.get("/v1/feeds", headers=rider.headers)).status == 403
    assert (await client.get("/v1/feeds", headers=analyst.headers)).status == 200
    assert (await client.get("/v1/accounts", headers=analyst.headers)).status == 403
    assert (await client.get("/v1/accounts", headers=agent.headers)).status == 200
    new_operator = {"id": "yamabuki-taxi", "name": "山吹タクシー", "mode": "taxi", "kind": "taxi"}
    forbidden = await client.post("/v1/operators", json=new_operator, headers=agent.headers)
    assert forbidden.status == 403 and (await forbidden.json())["error"]["code"] == "forbidden"
    assert (await client.post("/v1/operators", json=new_operator, headers=admin.headers)).status == 201
    # A rider sees their own account but nobody else's.
    assert (await client.get(f"/v1/accounts/{rider.account_id}", headers=rider.headers)).status == 200
    assert (await client.get(f"/v1/accounts/{agent.account_id}", headers=rider.headers)).status == 403
    assert (await client.get(f"/v1/accounts/{rider.account_id}", headers=agent.headers)).status == 200


async def test_agent_opens_rider_accounts_but_not_staff_accounts(client, sign_in) -> None:
    agent = await sign_in(Role.AGENT)
    rider = {"email": "caller@test.maas.example", "password": "long enough pw", "display_name": "電話の方",
             "birth_date": "1941-02-11", "needs": ["wheelchair", "escort"]}
    created = await client.post("/v1/accounts", json=rider, headers=agent.headers)
    assert created.status == 201 and (await created.json())["needs"] == ["wheelchair", "escort"]
    staff = await client.post("/v1/accounts", json={**rider, "email": "x@test.maas.example", "role": "admin"},
                              headers=agent.headers)
    assert staff.status == 403


async def test_operator_keys_are_scoped_to_their_operator_and_revocable(client, sign_in, caplog) -> None:
    admin = await sign_in(Role.ADMIN)
    for op_id in ("taxi-a", "bikes-b"):
        made = await client.post("/v1/operators", headers=admin.headers,
                                 json={"id": op_id, "name": op_id, "mode": "taxi", "kind": "taxi"})
        assert made.status == 201
    caplog.set_level(logging.DEBUG)
    issued = await client.post("/v1/operators/taxi-a/api-keys", json={"label": "dispatch"}, headers=admin.headers)
    assert issued.status == 201
    key = await issued.json()
    secret = key["secret"]
    op_headers = {"Authorization": f"Bearer {secret}"}

    me = await (await client.get("/v1/me", headers=op_headers)).json()
    assert me == {"subject_id": key["id"], "role": "operator", "operator_id": "taxi-a", "account": None}
    own = await client.get("/v1/operators/taxi-a/api-keys", headers=op_headers)
    assert own.status == 200 and "secret" not in (await own.json())["items"][0]
    other = await client.get("/v1/operators/bikes-b/api-keys", headers=op_headers)
    assert other.status == 403
    assert (await client.get("/v1/feeds", headers=op_headers)).status == 403
    assert (await client.post("/v1/operators/bikes-b/api-keys", json={"label": "x"}, headers=op_headers)).status == 403

    tampered = {"Authorization": "Bearer " + secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")}
    assert (await client.get("/v1/me", headers=tampered)).status == 401

    not_a_session = await client.delete("/v1/auth/token", headers=op_headers)
    assert not_a_session.status == 403  # keys are revoked below, never by "signing out"
    revoked = await client.delete(f"/v1/operators/taxi-a/api-keys/{key['id']}", headers=op_headers)
    assert revoked.status == 204
    after = await client.get("/v1/me", headers={**op_headers, "Accept-Language": "en"})
    assert after.status == 401 and "revoked" in (await after.json())["error"]["message"]
    assert secret not in caplog.text


async def test_unknown_operator_and_key_are_404(client, sign_in) -> None:
    admin = await sign_in(Role.ADMIN)
    assert (await client.post("/v1/operators/none/api-keys", json={"label": "x"}, headers=admin.headers)).status == 404
    await client.post("/v1/operators", headers=admin.headers,
                      json={"id": "taxi-c", "name": "c", "mode": "taxi", "kind": "taxi"})
    missing = await client.delete("/v1/operators/taxi-c/api-keys/key_0000", headers=admin.headers)
    assert missing.status == 404


async def test_invalid_operator_fields_and_duplicates(client, sign_in) -> None:
    admin = await sign_in(Role.ADMIN)
    bad = await client.post("/v1/operators", headers=admin.headers,
                            json={"id": "Has Spaces", "name": "x", "mode": "taxi", "kind": "taxi"})
    assert bad.status == 422 and "id" in (await bad.json())["error"]["fields"]
    good = {"id": "taxi-d", "name": "d", "mode": "taxi", "kind": "taxi"}
    assert (await client.post("/v1/operators", json=good, headers=admin.headers)).status == 201
    assert (await client.post("/v1/operators", json=good, headers=admin.headers)).status == 409


async def test_password_and_token_never_reach_the_logs(client, sign_in, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    rider = await sign_in(Role.RIDER)
    await client.get("/v1/me", headers=rider.headers)
    await client.post("/v1/auth/token", json={"email": "rider@test.maas.example", "password": "wrong-" + PASSWORD})
    assert PASSWORD not in caplog.text
    assert rider.token not in caplog.text
