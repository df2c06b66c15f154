"""API shapes of webhook endpoints, their deliveries and the rider's event stream."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from maas.api.schemas import Request
from maas.domain.webhooks import Delivery, WebhookEndpoint


class WebhookRequest(Request):
    url: str = Field(min_length=1, max_length=2000,
                     description="https:// URL the events are POSTed to (http to loopback in development only).")
    event_types: list[str] = Field(default_factory=list, max_length=40,
                                   description="Event types to receive (e.g. booking.confirmed); empty: all.")
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the rider whose events the endpoint gets.")


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    rider_id: str | None = Field(description="The rider whose events it gets; null: an integration's (all riders).")
    created_at: dt.datetime
    failing_since: dt.datetime | None
    disabled_at: dt.datetime | None

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls(id=endpoint.id, url=endpoint.url, event_types=list(endpoint.event_types),
                   rider_id=endpoint.account_id, created_at=endpoint.created_at,
                   failing_since=endpoint.failing_since, disabled_at=endpoint.disabled_at)


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret, shown only now: verify Maas-Signature with it.")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    event_id: str
    attempts: int
    last_status: int | None
    last_error: str
    next_attempt_at: dt.datetime | None = Field(description="Null once delivered.")
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(event_id=delivery.event_id, attempts=delivery.attempts, last_status=delivery.last_status,
                   last_error=delivery.last_error, delivered_at=delivery.delivered_at,
                   next_attempt_at=None if delivery.delivered_at else delivery.next_attempt_at)


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class WebhookQuery(Request):
    for_rider: str | None = Field(default=None, max_length=100, description="Call-centre staff: the rider's endpoints.")


class EventStreamQuery(Request):
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: follow the rider they act for.")
