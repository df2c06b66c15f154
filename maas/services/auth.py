"""Accounts, session tokens and operator API keys: who may call, and as what."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata

from pydantic import BaseModel, ConfigDict

from maas.domain.accounts import ACCOUNT_ROLES, NEEDS, Account, ApiKey, NewAccount, Principal, Role, SessionToken
from maas.domain.entitlements import profile_claims
from maas.domain.errors import AuthenticationFailed, Conflict, InvalidRequest, NotFound, PermissionDenied
from maas.domain.text_safety import normalised
from maas.domain.ids import new_id
from maas.domain.ports import Clock, PasswordHasher, UnitOfWorkFactory
from maas.services import access_audit
from maas.services.entitlements import declare_in

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
SESSION_PREFIX = "mt_"
KEY_PREFIX = "mk_"
OPERATOR_TOKEN_PREFIX = "mo_"  # a short-lived OAuth2 client-credentials token for an operator's system
OPERATOR_TOKEN_TTL_S = 900


class IssuedToken(BaseModel):
    model_config = ConfigDict(frozen=True)
    token: str
    expires_at: dt.datetime
    account: Account


class IssuedOperatorToken(BaseModel):
    model_config = ConfigDict(frozen=True)
    token: str
    expires_in_s: int


class IssuedKey(BaseModel):
    """A new API key: `secret` is shown once and never stored."""

    model_config = ConfigDict(frozen=True)
    key: ApiKey
    secret: str


class AuthService:
    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, *, secret_key: str, token_ttl_s: int
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._pepper = secret_key.encode()
        self._ttl = dt.timedelta(seconds=token_ttl_s)
        self._dummy_hash: str | None = None

    def _digest(self, secret: str) -> str:
        # Tokens carry 256 random bits, so a keyed fast hash is enough; passwords get the KDF.
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    async def register(self, new: NewAccount, *, by: Principal | None) -> Account:
        """Open an account: riders may sign themselves up, agents open rider accounts, admins any."""
        if by is None and new.role is not Role.RIDER:
            raise PermissionDenied("self sign-up is for riders only")
        if by is not None and by.role is not Role.ADMIN and not (by.role is Role.AGENT and new.role is Role.RIDER):
            raise PermissionDenied("agents open rider accounts; other roles need an admin")
        new = normalised(new)
        _validate_new_account(new)
        password_hash = await asyncio.to_thread(self._hasher.hash, new.password)
        async with self._uow() as uow:
            try:
                account = await uow.accounts.add(new, account_id=new_id("acc"), password_hash=password_hash,
                                                 now=self._clock.now())
            except Conflict:
                if by is not None:
                    raise
                # Self sign-up answers an address already registered as it answers a new one, so it
                # cannot be used to learn who has an account; only the real holder can sign in.
                return _unsaved(new, self._clock.now())
            if account.role is Role.RIDER:
                # What the profile says that could lower a fare is only declared: staff verify it.
                for kind, value in profile_claims(new.birth_date, new.resident, new.needs):
                    await declare_in(uow, self._clock, account.id, kind, value, by=by.subject_id if by else account.id)
            await uow.commit()
        return account

    async def login(self, email: str, password: str) -> IssuedToken:
        async with self._uow() as uow:
            found = await uow.accounts.find_by_email(unicodedata.normalize("NFKC", email).strip())
        if found is None:
            # Spend the same KDF time as for a real account so response time does not reveal which emails exist.
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.to_thread(self._hasher.hash, "x" * 16)
            await asyncio.to_thread(self._hasher.verify, self._dummy_hash, password)
            raise AuthenticationFailed("wrong email or password")
        account, password_hash = found
        if not await asyncio.to_thread(self._hasher.verify, password_hash, password):
            raise AuthenticationFailed("wrong email or password")
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        expires_at = self._clock.now() + self._ttl
        async with self._uow() as uow:
            # Sessions that ran out are dead weight; each sign-in clears its own account's.
            await uow.accounts.delete_expired_sessions(account.id, self._clock.now())
            await uow.accounts.add_session(self._digest(token), SessionToken(account_id=account.id,
                                                                              expires_at=expires_at))
            await uow.commit()
        return IssuedToken(token=token, expires_at=expires_at, account=account)

    async def logout(self, token: str) -> None:
        async with self._uow() as uow:
            await uow.accounts.delete_session(self._digest(token))
            await uow.commit()

    async def authenticate(self, authorization: str | None) -> Principal:
        """Resolve an `Authorization: Bearer ...` header to a principal, or raise AuthenticationFailed."""
        if not authorization:
            raise AuthenticationFailed("missing Authorization header")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if not credential.isascii() or not credential.isprintable():  # every token and key we issue is
            raise AuthenticationFailed("unknown credential")  # printable ASCII; other bytes can't be digested
        if scheme.lower() != "bearer" or not credential:
            raise AuthenticationFailed("use 'Authorization: Bearer <token or API key>'")
        if credential.startswith(SESSION_PREFIX):
            return await self._session_principal(credential)
        if credential.startswith(KEY_PREFIX):
            return await self._key_principal(credential)
        if credential.startswith(OPERATOR_TOKEN_PREFIX):
            return await self._operator_token_principal(credential)
        raise AuthenticationFailed("unknown credential")

    async def operator_token(self, client_id: str, client_secret: str) -> IssuedOperatorToken:
        """OAuth2 client credentials: an operator (`client_id`) trades its API key for a bearer
        token that lasts OPERATOR_TOKEN_TTL_S. The token is signed, not stored; a revoked key
        ends its tokens at once."""
        if not client_secret.startswith(KEY_PREFIX):
            raise AuthenticationFailed("the client secret is the operator's API key (mk_…)")
        principal = await self._key_principal(client_secret)
        if principal.operator_id != client_id:
            raise AuthenticationFailed("the API key is not the client's")
        expires = int(self._clock.now().timestamp()) + OPERATOR_TOKEN_TTL_S
        claim = f"{principal.subject_id.removeprefix('key_')}.{expires}"
        return IssuedOperatorToken(token=f"{OPERATOR_TOKEN_PREFIX}{claim}.{self._digest(claim)}",
                                   expires_in_s=OPERATOR_TOKEN_TTL_S)

    async def _operator_token_principal(self, token: str) -> Principal:
        key_hex, _, rest = token.removeprefix(OPERATOR_TOKEN_PREFIX).partition(".")
        expires, _, signature = rest.partition(".")
        if not (key_hex and expires.isdigit() and signature) or not hmac.compare_digest(
                signature, self._digest(f"{key_hex}.{expires}")):
            raise AuthenticationFailed("unknown token")
        if int(expires) <= self._clock.now().timestamp():
            raise AuthenticationFailed("token expired; ask /oauth/token for another")
        async with self._uow() as uow:
            found = await uow.operators.find_key("key_" + key_hex)
        if found is None or found[0].revoked_at is not None:
            raise AuthenticationFailed("the token's API key is revoked")
        return Principal(subject_id=found[0].id, role=Role.OPERATOR, operator_id=found[0].operator_id)

    async def _session_principal(self, token: str) -> Principal:
        async with self._uow() as uow:
            session = await uow.accounts.find_session(self._digest(token))
            if session is None or session.expires_at <= self._clock.now():
                raise AuthenticationFailed("token expired or revoked")
            account = await uow.accounts.get(session.account_id)
        return Principal(subject_id=account.id, role=account.role)

    async def _key_principal(self, credential: str) -> Principal:
        _, key_hex, secret = (credential.split("_", 2) + ["", ""])[:3]
        async with self._uow() as uow:
            found = await uow.operators.find_key("key_" + key_hex)
        if found is None or not secret or not hmac.compare_digest(found[1], self._digest(secret)):
            raise AuthenticationFailed("unknown API key")
        key = found[0]
        if key.revoked_at is not None:
            raise AuthenticationFailed("API key revoked")
        return Principal(subject_id=key.id, role=Role.OPERATOR, operator_id=key.operator_id)

    async def issue_api_key(self, operator_id: str, label: str) -> IssuedKey:
        key_id = new_id("key")
        secret = secrets.token_urlsafe(32)
        key = ApiKey(id=key_id, operator_id=operator_id, label=label, created_at=self._clock.now())
        async with self._uow() as uow:
            await uow.operators.get(operator_id)
            await uow.operators.add_key(key, self._digest(secret))
            await uow.commit()
        return IssuedKey(key=key, secret=f"{KEY_PREFIX}{key_id.removeprefix('key_')}_{secret}")

    async def revoke_api_key(self, operator_id: str, key_id: str) -> None:
        async with self._uow() as uow:
            found = await uow.operators.find_key(key_id)
            if found is None or found[0].operator_id != operator_id:
                raise NotFound(f"no API key {key_id} for operator {operator_id}")
            await uow.operators.revoke_key(key_id, self._clock.now())
            await uow.commit()

    async def list_api_keys(self, operator_id: str) -> list[ApiKey]:
        async with self._uow() as uow:
            await uow.operators.get(operator_id)
            return await uow.operators.list_keys(operator_id)

    async def get_account(self, account_id: str, *, by: Principal, reason: str | None = None) -> Account:
        """Staff looking up another account leave an entry in its access log."""
        if by.subject_id != account_id:
            by.require(Role.AGENT, Role.ADMIN)
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account.role is Role.RIDER:
                await access_audit.record(uow, self._clock, by, account_id, "read_account", reason, required=False)
                await uow.commit()
            return account

    async def list_accounts(self, *, role: str | None, limit: int, offset: int,
                            q: str | None = None) -> list[Account]:
        async with self._uow() as uow:
            return await uow.accounts.list_accounts(role=role, limit=limit, offset=offset, q=q)


def _unsaved(new: NewAccount, now: dt.datetime) -> Account:
    return Account(id=new_id("acc"), email=new.email.lower(), display_name=new.display_name, role=new.role,
                   birth_date=new.birth_date, home=new.home, needs=new.needs, resident=new.resident, created_at=now,
                   display_name_kana=new.display_name_kana, phone=new.phone, member_no=new.member_no)


def _validate_new_account(new: NewAccount) -> None:
    problems: dict[str, str] = {}
    if not _EMAIL.match(new.email):
        problems["email"] = "not an email address"
    if len(new.password) < MIN_PASSWORD_LENGTH:
        problems["password"] = f"at least {MIN_PASSWORD_LENGTH} characters"
    if new.role not in ACCOUNT_ROLES:
        problems["role"] = "operators sign in with API keys, not accounts"
    if not new.display_name.strip():
        problems["display_name"] = "must not be blank"
    unknown = set(new.needs) - NEEDS
    if unknown:
        problems["needs"] = f"unknown: {', '.join(sorted(unknown))}; known: {', '.join(sorted(NEEDS))}"
    if problems:
        raise InvalidRequest("the account details are not valid", fields=problems)
