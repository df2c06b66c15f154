"""Booking a whole trip as one ticket: `BookingService`, what the API and the other services
call. It prices a booking request and hands it to the saga (maas.services.booking_saga), which
reserves every leg, holds the payment, commits every leg and confirms, or compensates; the
trip's life after booking (reading, refreshing from operators' events, settlement,
cancellation, the day-ahead authorisation) is maas.services.booking_trip. The rules (states
from legs, fees, amounts) are the Booking aggregate's (maas.domain.bookings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from maas.domain.accounts import Account, Principal, Role
from maas.domain.entitlements import Entitlements
from maas.domain.bookings import Booking
from maas.domain.errors import BookingDataRequired, Conflict, NotFound, OfferExpired
from maas.domain.mobility import BOOKING_DATA_FIELDS, Offer
from maas.domain.passes import PassState
from maas.domain.ports import UnitOfWork
from maas.domain.riders import OfferNotYours, RiderContext
from maas.services.booking_saga import StepHook
from maas.services.booking_terms import request_digest, same_request
from maas.services.booking_trip import STAFF, BookingTrip

__all__ = ["STAFF", "BookingService", "StepHook"]


class BookingService(BookingTrip):
    """The saga and the trip's life after it, behind one service (constructor: BookingSaga's)."""

    # -- making a booking ------------------------------------------------------------------------
    async def book(self, caller: Principal, offer_ids: Sequence[str], *, idempotency_key: str,
                   payment_method: str | None = None, rider: RiderContext | None = None,
                   booking_data: Mapping[str, str] | None = None) -> tuple[Booking, bool]:
        """The booking, and whether this call made it (False: a retry got the first answer).
        `rider`: whom it is for (the caller, or the rider an agent acts for); their fares,
        passes and saved payment method apply, and an offer issued for anyone else is refused.
        `booking_data`: personal data an operator requires (BOOKING_DATA_FIELDS), beside what
        the rider's account holds; what is still missing is BookingDataRequired before anything
        is booked. It goes to those operators with this booking and is not stored."""
        digest = request_digest(offer_ids, payment_method)
        owner = rider.account_id if rider is not None else caller.subject_id
        async with self._uow() as uow:
            existing = await uow.bookings.find_by_key(owner, idempotency_key)
            if existing is not None:
                return same_request(existing, digest), False
            offers = [await self._offer(uow, offer_id) for offer_id in offer_ids]
            account = await self._rider(uow, caller, rider)
            for offer in offers:
                _check_owner(offer, account, rider)
            data = _booking_data(offers, account, booking_data or {})
            passes = [p for p in await uow.passes.list_for(account.id)
                      if p.state is PassState.ACTIVE] if account is not None else []
            entitled = Entitlements.of(await uow.claims.list_for(account.id)) if account is not None else None
            booking = self._terms.new_booking(caller, offers, idempotency_key, digest, account, passes, entitled)
            profile = await uow.payment_profiles.get(account.id) if account is not None else None
            booking = self._terms.payment_plan(booking, payment_method, profile)
            try:
                await uow.bookings.add(booking)
            except Conflict:  # the same key raced us: answer with the winner's booking
                winner = await uow.bookings.find_by_key(owner, idempotency_key)
                if winner is None:
                    raise
                return same_request(winner, digest), False
            await uow.commit()
        return await self._forward(booking, payment_method, data), True

    async def _offer(self, uow: UnitOfWork, offer_id: str) -> Offer:
        offer = await uow.offers.get(offer_id)
        if offer is None:
            raise NotFound(f"no offer {offer_id}: plan the trip again", fields={"offer_ids": offer_id})
        if offer.operator_id not in self._adapters:
            raise NotFound(f"operator {offer.operator_id} is not enabled", fields={"offer_ids": offer_id})
        if not offer.is_valid_at(self.clock.now()):
            raise OfferExpired(f"offer {offer_id} expired at {offer.valid_until.isoformat()}; plan the trip again",
                               fields={"offer_ids": offer_id})
        return offer

    async def _rider(self, uow: UnitOfWork, caller: Principal, rider: RiderContext | None = None) -> Account | None:
        if rider is not None:
            return await uow.accounts.get(rider.account_id)
        if caller.role is Role.OPERATOR:
            return None
        try:
            return await uow.accounts.get(caller.subject_id)
        except NotFound:
            return None


def _booking_data(offers: Sequence[Offer], account: Account | None, given: Mapping[str, str]) -> dict[str, str]:
    """The personal data the offers' operators require, from the request or the rider's account;
    BookingDataRequired naming what the rider must still give."""
    known = {"EMAIL": account.email if account else None,
             "BIRTHDATE": account.birth_date.isoformat() if account and account.birth_date else None,
             "PHONE_NUMBERS": account.phone if account else None}
    data, missing = {}, {}
    for offer in offers:
        for name in offer.conditions.required_data:
            value = given.get(name) or known.get(name)
            if value:
                data[name] = value
            elif name in BOOKING_DATA_FIELDS:
                missing[f"booking_data.{name}"] = f"required by {offer.operator_id}"
    if missing:
        raise BookingDataRequired(f"the operator needs the rider's {', '.join(k.split('.')[1] for k in missing)} "
                                  "to book; send them in booking_data", fields=missing)
    return data


def _check_owner(offer: Offer, account: Account | None, rider: RiderContext | None) -> None:
    """An offer issued for a rider is booked by that rider, or by staff acting for them."""
    if rider is not None:
        rider.check_offer(offer)
    elif offer.issued_for is not None and (account is None or account.id != offer.issued_for):
        raise OfferNotYours(f"offer {offer.id} was issued for another rider: plan the trip again",
                            fields={"offer_ids": offer.id})
