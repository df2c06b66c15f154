"""Domain objects to the TOMP wire format and back, both ways: the remote adapter reads options
and bookings, the reference operator services write them.

Conventions of the subset (docs/tomp.md): one leg per option, whose id is the option's id;
a booking keeps the option's id; the price is the sum of the fare's FIXED parts (DISCOUNT parts
subtracted whatever their sign); cancellation terms travel in `extraData`; the rider's needs are CROW requirement codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from maas.domain.accounts import GeoPoint
from maas.domain.errors import InvalidRequest
from maas.domain.mobility import BookingState, Conditions, LegBooking, Offer, OfferQuery
from maas.domain.planning import Money
from operators.gbfs.pricing import currency_exponent
from operators.tomp import wire


class MalformedMessage(ValueError):
    """A message that validates as JSON but cannot be read as the subset says."""


# The rider's needs as codes of the CROW traveller characteristics list (TOMP `requirement`).
NEED_CODES = {"wheelchair": ("HR", "01"), "walking_aid": ("HR", "07"), "escort": ("AB", "02"),
              "hearing": ("K", "02"), "visual": ("K", "01")}
CODE_NEEDS = {code: need for need, code in NEED_CODES.items()}
MODE_CLASSES = {"taxi": "TAXI", "bike": "BICYCLE", "scooter": "STEP", "moped": "MOPED", "car": "CAR",
                "on_demand": "SHUTTLE", "bus": "BUS", "rail": "RAIL"}
CLASS_MODES = {cls: mode for mode, cls in MODE_CLASSES.items()}


# -- money ----------------------------------------------------------------------------------
def amount_of(money: Money) -> float:
    """Minor units to the spec's major-unit amount (1500 JPY is 1500, 995 EUR cents is 9.95)."""
    return float(Decimal(money.amount_minor).scaleb(-currency_exponent(money.currency)))


def minor_of(amount: float, currency: str) -> int:
    try:
        exact = Decimal(str(amount)).scaleb(currency_exponent(currency))
    except InvalidOperation as exc:
        raise MalformedMessage(f"amount {amount!r} is not a number") from exc
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fare_of(money: Money, *, estimated: bool) -> wire.Fare:
    return wire.Fare(estimated=estimated, parts=[wire.FarePart(
        amount=amount_of(money), currencyCode=money.currency, type="FIXED")])


def money_of(fare: wire.Fare) -> Money:
    """The price a fare states: its FIXED parts added up, discounts subtracted."""
    fixed = [p for p in fare.parts if p.type in (None, "FIXED")]
    if not fixed:
        raise MalformedMessage("the fare has no FIXED part to price the trip with")
    currencies = {p.currencyCode.upper() for p in fixed}
    if len(currencies) != 1:
        raise MalformedMessage(f"the fare mixes currencies {', '.join(sorted(currencies))}")
    currency = currencies.pop()
    total = sum(-abs(minor_of(p.amount, currency)) if p.kind == "DISCOUNT" else minor_of(p.amount, currency)
                for p in fixed)
    return Money(amount_minor=max(0, total), currency=currency)


# -- places and queries -------------------------------------------------------------------
def place_of(point: GeoPoint, *, name: str | None = None, station_id: str | None = None) -> wire.Place:
    return wire.Place(coordinates=wire.Coordinates(lat=point.lat, lng=point.lon), name=name,
                      stationId=station_id)


def point_of(place: wire.Place) -> GeoPoint:
    return GeoPoint(lat=place.coordinates.lat, lon=place.coordinates.lng)


def planning_request(query: OfferQuery) -> wire.PlanningRequest:
    abilities = [wire.Requirement(category=c, number=n) for c, n in
                 (NEED_CODES[need] for need in sorted(query.needs))]
    travelers = [wire.Traveler(referenceNumber="1", requirements=wire.Requirements(abilities=abilities))
                 ] if abilities else []
    return wire.PlanningRequest(from_=place_of(query.origin), to=place_of(query.destination),
                                departureTime=query.depart_at, nrOfTravelers=query.travellers,
                                travelers=travelers)


def query_of(request: wire.PlanningRequest, now: dt.datetime) -> OfferQuery:
    """The operator's side: a planning request as a domain query (InvalidRequest when unusable)."""
    if request.to is None:
        raise InvalidRequest("this operator needs a `to` place (the subset has no estimatedDistance)")
    needs = set()
    for traveler in request.travelers:
        for ability in traveler.requirements.abilities if traveler.requirements else []:
            if (ability.category, ability.number) in CODE_NEEDS:
                needs.add(CODE_NEEDS[(ability.category, ability.number)])
    try:
        return OfferQuery(origin=point_of(request.from_), destination=point_of(request.to),
                          depart_at=request.departureTime or now, travellers=request.nrOfTravelers,
                          needs=frozenset(needs))
    except ValueError as exc:
        raise InvalidRequest(f"planning request: {exc}") from exc


# -- options and offers -------------------------------------------------------------------
def _extra_of(conditions: Conditions) -> dict[str, object] | None:
    extra: dict[str, object] = {}
    if conditions.free_cancellation_until is not None:
        extra["freeCancellationUntil"] = conditions.free_cancellation_until.isoformat()
    if conditions.cancellation_fee is not None:
        extra["cancellationFee"] = {"amount": amount_of(conditions.cancellation_fee),
                                    "currencyCode": conditions.cancellation_fee.currency}
    return extra or None


def _leg_conditions(conditions: Conditions, departure: dt.datetime) -> list[wire.Condition]:
    if not conditions.confirmation_required:
        return []
    return [wire.Condition(conditionType="conditionPostponedCommit",
                           ultimateResponseTime=conditions.respond_by or departure)]


def option_of(offer: Offer, *, station_from: tuple[str, str] | None = None,
              station_to: tuple[str, str] | None = None, estimated: bool = True) -> wire.Booking:
    """An offer as a planning option: one leg, the same id, fare, times, terms and notes."""
    fare = fare_of(offer.price, estimated=estimated)
    asset = wire.AssetType(id=offer.vehicle_type or offer.mode,
                           assetClass=MODE_CLASSES.get(offer.mode, "OTHER"))
    origin = place_of(offer.origin, station_id=station_from[0] if station_from else None,
                      name=station_from[1] if station_from else None)
    destination = place_of(offer.destination, station_id=station_to[0] if station_to else None,
                           name=station_to[1] if station_to else None)
    leg = wire.Leg(id=offer.id, from_=origin, to=destination, departureTime=offer.departure,
                   arrivalTime=offer.arrival, assetType=asset, pricing=fare,
                   distance=offer.distance_m,
                   conditions=_leg_conditions(offer.conditions, offer.departure))
    notes = [wire.Information(type="PLAIN_TEXT", goal="TERMS_CONDITIONS", text=n)
             for n in offer.conditions.notes]
    return wire.Booking(id=offer.id, state="NEW", from_=origin, to=destination,
                        departureTime=offer.departure, arrivalTime=offer.arrival, pricing=fare,
                        legs=[leg], mainAssetType=asset, userCommunication=notes,
                        memo=offer.description or None, extraData=_extra_of(offer.conditions))


def _conditions_of(option: wire.Booking, leg: wire.Leg | None) -> Conditions:
    extra = option.extraData or {}
    try:
        until = extra.get("freeCancellationUntil")
        free_until = dt.datetime.fromisoformat(until) if isinstance(until, str) else None
        if free_until is not None and free_until.utcoffset() is None:
            raise MalformedMessage("extraData.freeCancellationUntil has no UTC offset")
        fee_doc = extra.get("cancellationFee")
        fee = None
        if fee_doc is not None:
            part = wire.FarePart.model_validate(fee_doc)
            fee = Money(amount_minor=minor_of(part.amount, part.currencyCode.upper()),
                        currency=part.currencyCode.upper())
    except ValueError as exc:
        raise MalformedMessage(f"extraData: {exc}") from exc
    conditions = leg.conditions if leg else []
    postponed = [c for c in conditions if c.conditionType == "conditionPostponedCommit"]
    respond_by = min((c.ultimateResponseTime for c in postponed if c.ultimateResponseTime), default=None)
    required = tuple(dict.fromkeys(f for c in conditions if c.conditionType == "conditionRequireBookingData"
                                   for f in _fields(c)))
    notes = tuple(i.text for i in option.userCommunication if i.text) + tuple(
        note for c in conditions if (note := condition_note(c)))
    return Conditions(confirmation_required=bool(postponed), respond_by=respond_by, required_data=required,
                      free_cancellation_until=free_until, cancellation_fee=fee, notes=notes)


def _fields(condition: wire.Condition) -> list[str]:
    fields = (condition.model_extra or {}).get("requiredFields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise MalformedMessage(f"condition {condition.conditionType} has no list of requiredFields")
    return fields


def condition_note(condition: wire.Condition) -> str:
    """What the rider is told of a condition the platform shows but does not act on."""
    extra = condition.model_extra or {}
    if condition.conditionType == "conditionReturnArea":
        if extra.get("stationId"):
            return f"Return the vehicle to station {extra['stationId']}."
        point = extra.get("coordinates")
        if isinstance(point, dict) and {"lat", "lng"} <= point.keys():
            return f"Return the vehicle near {point['lat']:.5f}, {point['lng']:.5f}."
        return "Return the vehicle inside the operator's return area."
    if condition.conditionType == "conditionDeposit":
        amount, currency = extra.get("amount"), extra.get("currencyCode")
        if isinstance(amount, int | float) and isinstance(currency, str):
            return f"The operator takes a deposit of {amount:g} {currency.upper()}."
        return "The operator takes a deposit."
    if condition.conditionType == "conditionUpfrontPayment":
        return "The operator is paid in advance, when the booking is made."
    if condition.conditionType == "conditionRequireBookingData":
        return f"The operator requires the rider's {', '.join(_fields(condition))}."
    return ""


def _first_leg(option: wire.Booking) -> wire.Leg | None:
    if len(option.legs) > 1:
        raise MalformedMessage(f"option {option.id} has {len(option.legs)} legs; the subset has one")
    return option.legs[0] if option.legs else None


def offer_of(option: wire.Booking, valid_until: dt.datetime, operator_id: str) -> Offer:
    leg = _first_leg(option)
    origin = option.from_ or (leg.from_ if leg else None)
    destination = option.to or (leg.to if leg else None)
    departure = option.departureTime or (leg.departureTime if leg else None)
    arrival = option.arrivalTime or (leg.arrivalTime if leg else None)
    fare = option.pricing or (leg.pricing if leg else None)
    asset = option.mainAssetType or (leg.assetType if leg else None)
    missing = [name for name, value in (("from", origin), ("to", destination),
                                        ("departureTime", departure), ("arrivalTime", arrival),
                                        ("pricing", fare)) if value is None]
    if missing:
        raise MalformedMessage(f"option {option.id} lacks {', '.join(missing)}")
    assert origin and destination and departure and arrival and fare
    asset_class = (asset.assetClass or "OTHER") if asset else "OTHER"
    try:
        return Offer(id=option.id, operator_id=operator_id,
                     mode=CLASS_MODES.get(asset_class, asset_class.lower()), price=money_of(fare),
                     valid_until=valid_until, departure=departure, arrival=arrival,
                     origin=point_of(origin), destination=point_of(destination),
                     distance_m=(leg.distance or 0) if leg else 0,
                     conditions=_conditions_of(option, leg),
                     vehicle_type=asset.id if asset else "", description=option.memo or "")
    except ValueError as exc:
        raise MalformedMessage(f"option {option.id}: {exc}") from exc


# -- the rider's data -------------------------------------------------------------------------
def customer_of(data: Mapping[str, str]) -> wire.Customer:
    """BOOKING_DATA_FIELDS as the spec's `customer` of a bookingRequest."""
    phone = data.get("PHONE_NUMBERS")
    return wire.Customer(firstName=data.get("FIRST_NAME"), lastName=data.get("LAST_NAME"), email=data.get("EMAIL"),
                         birthDate=data.get("BIRTHDATE"), phones=[wire.Phone(number=phone)] if phone else [])


def data_of(customer: wire.Customer | None) -> dict[str, str]:
    """The operator's side: which BOOKING_DATA_FIELDS a bookingRequest's customer gives."""
    if customer is None:
        return {}
    values = {"FIRST_NAME": customer.firstName, "LAST_NAME": customer.lastName, "EMAIL": customer.email,
              "BIRTHDATE": customer.birthDate, "PHONE_NUMBERS": customer.phones[0].number if customer.phones else None}
    return {name: value for name, value in values.items() if value}


# -- bookings -------------------------------------------------------------------------------
def booking_of(booking: LegBooking, offer: Offer, *, booking_id: str) -> wire.Booking:
    """A domain booking as the TOMP booking of the option it was made from (`booking_id`)."""
    option = option_of(offer)
    return option.model_copy(update={
        "id": booking_id, "state": booking.state.value, "pricing": fare_of(booking.price, estimated=True),
        "departureTime": booking.departure, "arrivalTime": booking.arrival,
        "legs": [leg.model_copy(update={"id": booking_id, "state": leg_state_of(booking.state)})
                 for leg in option.legs],
        "memo": booking.reason or None})


def leg_state_of(state: BookingState) -> str:
    return {BookingState.STARTED: "IN_USE", BookingState.FINISHED: "FINISHED",
            BookingState.CANCELLED: "CANCELLED"}.get(state, "NOT_STARTED")


def leg_booking_of(booking: wire.Booking, operator_id: str, *,
                   expires_at: dt.datetime | None = None) -> LegBooking:
    leg = _first_leg(booking)
    if booking.state is None:
        raise MalformedMessage(f"booking {booking.id} has no state")
    departure = booking.departureTime or (leg.departureTime if leg else None)
    arrival = booking.arrivalTime or (leg.arrivalTime if leg else None)
    fare = booking.pricing or (leg.pricing if leg else None)
    if departure is None or arrival is None or fare is None:
        raise MalformedMessage(f"booking {booking.id} lacks its times or pricing")
    state = BookingState(booking.state)
    try:
        return LegBooking(id=booking.id, operator_id=operator_id, offer_id=booking.id, state=state,
                          price=money_of(fare), conditions=_conditions_of(booking, leg),
                          departure=departure, arrival=arrival,
                          expires_at=expires_at if state in (BookingState.PENDING,
                                                             BookingState.CONDITIONAL_CONFIRMED) else None,
                          reason=booking.memo or "")
    except ValueError as exc:
        raise MalformedMessage(f"booking {booking.id}: {exc}") from exc
