"""Webhook endpoints an app registers, their deliveries, and the rules without I/O: which URLs
may be called, the signature (`Maas-Signature: t=TIMESTAMP,v1=HEX`, HMAC-SHA256 of
"TIMESTAMP.BODY" with the endpoint's secret, as Stripe signs), the retry schedule (exponential
backoff with jitter), and when an endpoint that keeps failing is disabled.

Ports: WebhookStore (endpoints and deliveries: claimed under a lease so two workers never send
the same delivery at once), WebhookSender (one HTTP POST), SecretBox (the signing secrets are kept
encrypted: the platform must sign with them, so it cannot keep only a hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from maas.domain.errors import InvalidRequest
from maas.domain.rider_events import EVENT_TYPES, RiderEvent

SIGNATURE_HEADER = "Maas-Signature"
LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


class WebhookEndpoint(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    account_id: str | None  # the rider whose events it gets; None: an admin's integration (every rider's)
    created_by: str
    url: str
    event_types: tuple[str, ...] = ()  # empty: every type
    created_at: dt.datetime
    failing_since: dt.datetime | None = None  # the first failure since the last success
    disabled_at: dt.datetime | None = None

    def wants(self, event: RiderEvent) -> bool:
        if self.disabled_at is not None:
            return False
        if self.account_id is not None and self.account_id != event.account_id:
            return False
        return not self.event_types or event.type.value in self.event_types


class Delivery(BaseModel):
    """One event's delivery to one endpoint."""

    model_config = ConfigDict(frozen=True)
    id: int
    endpoint_id: str
    event_id: str
    attempts: int = 0
    next_attempt_at: dt.datetime
    last_status: int | None = None  # the receiver's HTTP status; None: no answer
    last_error: str = ""
    delivered_at: dt.datetime | None = None


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds the lease of, with what it sends."""

    delivery: Delivery
    url: str
    secret: bytes  # sealed; opened by the SecretBox
    body: bytes


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 30.0
    cap_s: float = 6 * 3600.0
    disable_after: dt.timedelta = dt.timedelta(days=3)

    def delay_s(self, attempts: int, rng: random.Random | None = None) -> float:
        """After `attempts` failures: half the exponential step fixed, half random ("equal
        jitter"), so receivers coming back up are not hit by every sender at once."""
        step: float = min(self.cap_s, self.base_s * float(2 ** max(0, attempts - 1)))
        jitter: float = (rng or random.Random()).uniform(0, step / 2)
        return step / 2 + jitter


def check_url(url: str, *, allow_loopback_http: bool) -> str:
    """https anywhere; http only to this machine and only when allowed (development)."""
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidRequest("a webhook URL is an https:// URL", fields={"url": "not an http(s) URL"})
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest("a webhook URL carries no credentials", fields={"url": "credentials in the URL"})
    try:
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError:
        raise InvalidRequest("the URL's port is not valid", fields={"url": "bad port"}) from None
    if parts.scheme == "http":
        if not allow_loopback_http:
            raise InvalidRequest("webhooks are sent over https only", fields={"url": "use https"})
        if not _loopback(host):
            raise InvalidRequest("http is allowed only to this machine (development)",
                                 fields={"url": "http only to loopback"})
    return url


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_event_types(types: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(types) - EVENT_TYPES)
    if unknown:
        raise InvalidRequest(f"unknown event types: {', '.join(unknown)}",
                             fields={"event_types": f"unknown: {', '.join(unknown)}; known: "
                                                    f"{', '.join(sorted(EVENT_TYPES))}"})
    return tuple(sorted(set(types)))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Maas-Signature` header's value."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_s: int = 300) -> bool:
    """What a receiver does (the README's snippet does the same): the timestamp is recent and
    one v1 signature matches, compared in constant time."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [v for k, v in fields if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance_s:
        return False
    expected = sign(secret, int(stamps[0]), body).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, v) for k, v in fields if k == "v1")


class WebhookStore(Protocol):
    async def add_endpoint(self, endpoint: WebhookEndpoint, sealed_secret: bytes) -> None: ...

    async def list_endpoints(self, account_id: str | None, *, created_by: str | None = None) -> list[WebhookEndpoint]:
        """A rider's endpoints (account_id), or the integrations an admin made (account_id None)."""
        ...

    async def find_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None: ...

    async def delete_endpoint(self, endpoint_id: str) -> None: ...

    async def deliveries(self, endpoint_id: str, *, limit: int = 50) -> list[Delivery]: ...

    async def claim(self, owner: str, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Claimed]:
        """Take the lease of up to `limit` deliveries due now: not delivered, endpoint enabled,
        no live lease. Two workers never hold the same delivery."""
        ...

    async def succeeded(self, delivery_id: int, owner: str, status: int, now: dt.datetime) -> bool:
        """Record a delivery acknowledged; False if this worker had lost its lease."""
        ...

    async def failed(self, delivery_id: int, owner: str, status: int | None, error: str, now: dt.datetime,
                     retry_at: dt.datetime, disable_after: dt.timedelta) -> bool:
        """Record a failed attempt and its retry; an endpoint failing since longer than
        `disable_after` is disabled."""
        ...


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The receiver's HTTP status; raises OSError/TimeoutError when it does not answer."""
        ...


class SecretBox(Protocol):
    def seal(self, secret: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...


class DeliveryWake(Protocol):
    """Told after events were committed, so whoever delivers them starts now, not at its next round
    (in-process: the worker's event; a job queue: enqueue a delivery job)."""

    def wake(self) -> None: ...
