"""Delivering the outbox to webhook endpoints: at least once, signed, retried with backoff.

`WebhookDispatcher.deliver_due()` is one round: claim due deliveries under a lease, send each
(signed with the endpoint's secret; the event id in the body and the `Maas-Event-Id` header, so
receivers deduplicate), and record the answer: a 2xx is delivered; anything else (an error
status, a refused connection, a timeout) is retried after an exponential, jittered delay, and an
endpoint failing for longer than the policy allows is disabled. A round is what a job queue
would run (issue 16); until then `DeliveryWorker` runs rounds in the server process, at once
when woken after a commit and otherwise every `interval_s`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.webhooks import SIGNATURE_HEADER, Claimed, RetryPolicy, SecretBox, WebhookSender, sign

log = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(self, uow: UnitOfWorkFactory, sender: WebhookSender, box: SecretBox, clock: Clock, *,
                 policy: RetryPolicy | None = None, lease_s: float = 60.0, batch: int = 20) -> None:
        self._uow, self._sender, self._box, self._clock = uow, sender, box, clock
        self._policy, self._lease, self._batch = policy or RetryPolicy(), dt.timedelta(seconds=lease_s), batch
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"

    async def deliver_due(self) -> int:
        """Send what is due now; the number of deliveries attempted."""
        async with self._uow() as uow:
            claimed = await uow.webhooks.claim(self.owner, self._clock.now(), self._lease, self._batch)
            await uow.commit()
        await asyncio.gather(*(self._send(c) for c in claimed))
        return len(claimed)

    async def _send(self, claimed: Claimed) -> None:
        delivery = claimed.delivery
        now = self._clock.now()
        headers = {"Content-Type": "application/json; charset=utf-8", "Maas-Event-Id": delivery.event_id,
                   SIGNATURE_HEADER: sign(self._box.open(claimed.secret), int(now.timestamp()), claimed.body)}
        status: int | None = None
        error = ""
        try:
            status = await self._sender.post(claimed.url, claimed.body, headers)
        except (OSError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        async with self._uow() as uow:
            done = self._clock.now()
            if status is not None and 200 <= status < 300:
                kept = await uow.webhooks.succeeded(delivery.id, self.owner, status, done)
            else:
                retry = done + dt.timedelta(seconds=self._policy.delay_s(delivery.attempts + 1))
                kept = await uow.webhooks.failed(delivery.id, self.owner, status, error or f"HTTP {status}", done,
                                                 retry, self._policy.disable_after)
                log.info("webhook %s to %s failed (%s); next try at %s", delivery.event_id, claimed.url,
                         error or status, retry.isoformat())
            await uow.commit()
        if not kept:
            log.warning("webhook delivery %s: lease lost before its answer was recorded", delivery.id)


class DeliveryWorker:
    """Rounds of the dispatcher in this process until stopped; `wake()` (the DeliveryWake port)
    starts a round now."""

    def __init__(self, dispatcher: WebhookDispatcher, *, interval_s: float = 2.0) -> None:
        self._dispatcher, self._interval = dispatcher, interval_s
        self._woken, self._closed, self._busy = asyncio.Event(), asyncio.Event(), asyncio.Lock()

    def wake(self) -> None:
        self._woken.set()

    async def aclose(self) -> None:
        """No round starts after this; one under way finishes (before the database goes)."""
        self._closed.set()
        async with self._busy:
            pass

    async def run(self, stop: asyncio.Event) -> None:
        while not (stop.is_set() or self._closed.is_set()):
            self._woken.clear()  # before the round: a wake during it starts another
            try:
                async with self._busy:
                    while not self._closed.is_set() and await self._dispatcher.deliver_due():
                        if stop.is_set():
                            return
            except Exception:  # a database hiccup must not end deliveries for the process's life
                log.exception("delivering webhooks failed")
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait()),
                     asyncio.ensure_future(self._closed.wait())]
            await asyncio.wait(waits, timeout=self._interval, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
