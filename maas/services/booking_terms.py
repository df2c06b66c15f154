"""The terms of a booking request, before the saga runs: each leg priced from its offer, the
town's fare rules and the rider's passes, the legs in travel order, and how the whole will be paid
(the method asked for or the rider's saved one, and when to authorise it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

from maas.domain.accounts import Account, Principal
from maas.domain.booked_legs import BookedLeg
from maas.domain.bookings import Booking, TripState
from maas.domain.entitlements import Entitlements
from maas.domain.errors import Conflict, InvalidRequest
from maas.domain.fare_rules import Applied, FareRules, LegFacts, Rider
from maas.domain.ids import new_id
from maas.domain.mobility import Offer
from maas.domain.passes import RiderPass, best_cover
from maas.domain.payments import PaymentGateway, PaymentProfile
from maas.domain.planning import Money
from maas.domain.ports import Clock

AUTHORISE_AHEAD = dt.timedelta(days=1)  # a booking beyond a hold's life is authorised this long before it starts


def request_digest(offer_ids: Sequence[str], payment_method: str | None) -> str:
    body = json.dumps({"offers": list(offer_ids), "payment_method": payment_method}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class BookingTerms:
    def __init__(self, rules: FareRules, payments: PaymentGateway, clock: Clock) -> None:
        self._rules, self._payments, self.clock = rules, payments, clock

    @staticmethod
    def _facts(offer: Offer) -> LegFacts:
        return LegFacts(operator_id=offer.operator_id, mode=offer.mode, price=offer.price, origin=offer.origin,
                        destination=offer.destination, day=offer.departure.date())

    def _priced(self, offer: Offer, entitled: Entitlements | None) -> Applied:
        """The municipality's rules on one leg: what the rider pays and what the town pays, from
        the rider's verified claims only."""
        who = Rider() if entitled is None else entitled.rider_on(offer.departure.date())
        return self._rules.apply(self._facts(offer), who)

    def new_booking(self, caller: Principal, offers: list[Offer], key: str, digest: str,
                     rider: Account | None = None, passes: Sequence[RiderPass] = (),
                     entitled: Entitlements | None = None) -> Booking:
        """The booking is the rider's (an agent acting for them is recorded as `booked_by`)."""
        if len({o.id for o in offers}) != len(offers):
            raise InvalidRequest("an offer is listed twice", fields={"offer_ids": "duplicates"})
        currencies = {o.price.currency for o in offers}
        if len(currencies) != 1:
            raise InvalidRequest("the legs are priced in different currencies", fields={"offer_ids": "currencies"})
        ordered = sorted(offers, key=lambda o: o.departure)
        for before, after in zip(ordered, ordered[1:]):
            if after.departure < before.arrival:
                raise InvalidRequest(f"offer {after.id} leaves before {before.id} arrives",
                                     fields={"offer_ids": "legs overlap in time"})
        legs = []
        for i, o in enumerate(ordered):
            applied = self._priced(o, entitled if rider is not None else None)
            cover = best_cover(passes, self._facts(o), applied.rider_price, o.departure)
            legs.append(BookedLeg(index=i, operator_id=o.operator_id, offer_id=o.id, mode=o.mode, price=o.price,
                                  departure=o.departure, arrival=o.arrival, conditions=o.conditions,
                                  description=o.description, rider_price=applied.rider_price,
                                  subsidy=applied.subsidy, rules=applied.rule_ids,
                                  covered=cover.amount if cover else None, pass_id=cover.pass_id if cover else None,
                                  route_id=o.route_id))
        now = self.clock.now()
        # The rider is held for their share only; the municipality's share is invoiced to it.
        total = Money(amount_minor=sum(leg.rider_share.amount_minor for leg in legs), currency=currencies.pop())
        owner = rider.id if rider is not None else caller.subject_id
        return Booking(id=new_id("bkg"), account_id=owner, booked_by=caller.subject_id, state=TripState.PENDING, legs=tuple(legs), total=total,
                       payment_gateway=self._payments.name, idempotency_key=key, request_digest=digest,
                       created_at=now, updated_at=now)

    def payment_plan(self, booking: Booking, payment_method: str | None, profile: PaymentProfile | None) -> Booking:
        """How the booking will be paid: the method asked for, else the rider's saved one; and,
        for a trip ending beyond the life of a hold, when to authorise it (a day before it starts,
        without the rider, so only with a saved method)."""
        saved = profile if profile is not None and profile.gateway == self._payments.name else None
        method = payment_method or (saved.payment_method if saved is not None else None)
        # A customer reference makes the gateway charge off-session, for the saved method only.
        customer = saved.customer_ref if saved is not None and method == saved.payment_method else None
        life = self._payments.hold_life_s
        now = self.clock.now()
        ends = max(leg.arrival for leg in booking.legs)
        authorise_at = None
        if life is not None and booking.total.amount_minor > 0 and ends > now + dt.timedelta(seconds=life):
            if customer is None:
                raise InvalidRequest(
                    f"a trip ending more than {life // 86400} days ahead is paid with a saved payment method: "
                    "save one first (POST /v1/payments/methods)", fields={"payment_method": "save a payment method"})
            authorise_at = max(now, min(leg.departure for leg in booking.legs) - AUTHORISE_AHEAD)
            if ends - authorise_at > dt.timedelta(seconds=life):
                raise InvalidRequest(f"a trip lasting more than {life // 86400 - 1} days cannot be held for payment",
                                     fields={"offer_ids": "trip too long"})
        return booking.model_copy(update={"payment_method": method, "customer_ref": customer,
                                          "authorise_at": authorise_at})


def same_request(existing: Booking, digest: str) -> Booking:
    if existing.request_digest != digest:
        raise Conflict("this Idempotency-Key was used for a different booking request",
                       fields={"Idempotency-Key": "reused with another body"})
    return existing
