"""Whom a trip is for: the rider's context, resolved once per request from their account.

Planning, operators' offer searches, quotes, bookings and fares all read the rider from this
one object: their needs, their verified entitlements (maas.domain.entitlements: only claims
staff verified count, each while valid) and, when call-centre staff act for them, the agent. The agent's own account never
lends its needs or concessions to the rider's trip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from maas.domain.accounts import Account, Role
from maas.domain.entitlements import Claim, Entitlements
from maas.domain.errors import InvalidRequest, PermissionDenied
from maas.domain.fare_rules import Rider
from maas.domain.mobility import Offer, OfferQuery

SENIOR_AGE = 70  # the town's senior concession and fare rules start here


class NotARider(InvalidRequest):
    """Staff tried to act for an account that is not a rider's (another agent, an analyst)."""

    code = "not_a_rider"


class OfferNotYours(PermissionDenied):
    """An offer issued for one rider booked as someone else (HTTP 403)."""

    code = "offer_not_yours"


class RiderContext(BaseModel):
    model_config = ConfigDict(frozen=True)
    account_id: str
    display_name: str
    role: Role
    entitlements: Entitlements = Entitlements()
    needs: frozenset[str] = frozenset()  # what the trip must offer (a ramp, an escort's seat)
    agent_id: str | None = None  # the call-centre agent acting for the rider, if any

    @classmethod
    def of(cls, account: Account, claims: Sequence[Claim] = (), *, agent_id: str | None = None) -> RiderContext:
        return cls(account_id=account.id, display_name=account.display_name, role=account.role,
                   entitlements=Entitlements.of(claims), needs=frozenset(account.needs), agent_id=agent_id)

    @property
    def acted_by(self) -> str:
        """Who is doing it: the agent acting for the rider, else the rider."""
        return self.agent_id or self.account_id

    def age_on(self, day: dt.date) -> int | None:
        """The age a verified claim proves on the day; None without one."""
        return self.entitlements.age_on(day)

    def concessions_on(self, day: dt.date) -> frozenset[str]:
        """The concessions a verified claim proves (age); a disability is claimed and shown on board."""
        age = self.age_on(day)
        return frozenset({"senior"}) if age is not None and age >= SENIOR_AGE else frozenset()

    def fare_rider(self, day: dt.date) -> Rider:
        return self.entitlements.rider_on(day)

    def apply(self, query: OfferQuery) -> OfferQuery:
        """The query for this rider: their needs and concessions added to what was asked, their id
        and name for the operator's booking (the driver's manifest)."""
        return query.model_copy(update={
            "needs": query.needs | self.needs,
            "concessions": query.concessions | self.concessions_on(query.depart_at.date()),
            "rider_ref": self.account_id, "rider_name": self.display_name})

    def check_offer(self, offer: Offer, *, field: str = "offer_ids") -> None:
        """An offer issued for another rider is not this rider's to book; `field` names the
        request's field that gave it."""
        if offer.issued_for is not None and offer.issued_for != self.account_id:
            raise OfferNotYours(f"offer {offer.id} was issued for another rider: plan the trip again"
                                + (" for this rider (for_rider)" if self.agent_id else ""),
                                fields={field: offer.id})


def issued_for(offers: list[Offer] | tuple[Offer, ...], rider: RiderContext | None) -> list[Offer]:
    """The offers marked as issued for the rider (unchanged for an anonymous search)."""
    if rider is None:
        return list(offers)
    return [o.model_copy(update={"issued_for": rider.account_id}) for o in offers]
