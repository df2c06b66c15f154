"""Domain objects to TOMP-API 2.0 documents and back, both ways: the 2.0 adapter reads offers and
packages, the 2.0 reference service writes them.

2.0 speaks of offers (a GeoJSON feature whose `properties` are a `summary`) and packages (a
GeoJSON object whose `properties` are `packageProperties`, with `legs`). Conventions of the
subset (docs/tomp.md, TOMP 2.0): one leg per package, whose id is the package's id; a package
keeps the id of the offer it was purchased from; a place is the spec's `gps:` reference written
`gps:<lat>_<lon>` (the spec's placeReference pattern allows no comma and its `place` no
coordinates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import BookingState, Conditions, LegBooking, Offer, OfferQuery
from maas.domain.planning import Money
from operators.tomp.mapping import CLASS_MODES, MODE_CLASSES, MalformedMessage, amount_of, minor_of

Document = dict[str, Any]
_GPS = re.compile(r"^(?:gps|GPS):(-?\d{1,3}(?:\.\d+)?)_(-?\d{1,3}(?:\.\d+)?)$")

# 2.0 packageStatus -> the platform's booking states. ROLLBACK (purchase undone before its
# rollback limit) and RELEASED (never purchased) both free the offer; ENDED and SETTLED are a
# finished trip. OFFERED is not a booking.
STATUS_STATES = {"PENDING": BookingState.PENDING, "CONFIRMED": BookingState.CONFIRMED,
                 "ROLLBACK": BookingState.RELEASED, "RELEASED": BookingState.RELEASED,
                 "EXPIRED": BookingState.EXPIRED, "CANCELLED": BookingState.CANCELLED,
                 "STARTED": BookingState.STARTED, "ENDED": BookingState.FINISHED,
                 "SETTLED": BookingState.FINISHED}
STATE_STATUSES = {BookingState.PENDING: "PENDING", BookingState.CONDITIONAL_CONFIRMED: "PENDING",
                  BookingState.CONFIRMED: "CONFIRMED", BookingState.STARTED: "STARTED",
                  BookingState.FINISHED: "ENDED", BookingState.RELEASED: "RELEASED",
                  BookingState.EXPIRED: "EXPIRED", BookingState.CANCELLED: "CANCELLED",
                  BookingState.REJECTED: "RELEASED", BookingState.NEW: "OFFERED"}
LEG_STATUSES = {BookingState.STARTED: "IN_USE", BookingState.FINISHED: "ENDED",
                BookingState.CANCELLED: "CANCELLED"}
# The rider's needs as 2.0 prmNeeds (an escort has no 2.0 need and is not sent).
NEED_PRM = {"wheelchair": ("mobilityNeed", "wheelchair"), "walking_aid": ("mobilityNeed", "walking_frame"),
            "hearing": ("psychoSensoryNeed", "auditory_impaired"), "visual": ("psychoSensoryNeed", "visual_impaired")}
PRM_NEEDS = {prm: need for need, prm in NEED_PRM.items()}
# 2.0 `mode` enum values for the platform's modes (MODE_CLASSES' names where 2.0 has them).
MODES_2 = frozenset({"BUS", "RAIL", "TAXI", "SELFDRIVE", "BICYCLE", "MOTORCYCLE", "CAR", "SHUTTLE", "OTHER",
                     "MOPED", "STEP", "FERRY", "TRAM", "METRO", "COACH"})


# -- places and times ----------------------------------------------------------------------------
def place_ref(point: GeoPoint) -> str:
    return f"gps:{point.lat:.6f}_{point.lon:.6f}"


def point_of(ref: object) -> GeoPoint:
    match = _GPS.match(ref) if isinstance(ref, str) else None
    if match is None:
        raise MalformedMessage(f"place {ref!r} is not a gps:<lat>_<lon> reference")
    try:
        return GeoPoint(lat=float(match[1]), lon=float(match[2]))
    except ValueError as exc:
        raise MalformedMessage(f"place {ref!r}: {exc}") from exc


def time_text(when: dt.datetime) -> str:
    """The spec's dateTime, in UTC with a Z (its x-pattern)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_of(value: object, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise MalformedMessage(f"{what} is missing")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedMessage(f"{what} {value!r} is not a date-time") from exc
    if parsed.utcoffset() is None:
        raise MalformedMessage(f"{what} {value!r} has no UTC offset")
    return parsed


# -- money ---------------------------------------------------------------------------------------
def money_doc(money: Money) -> Document:
    return {"amount": amount_of(money), "currencyCode": money.currency}


def money_of(doc: object, what: str) -> Money:
    if not isinstance(doc, dict) or not isinstance(doc.get("amount"), int | float) \
            or not isinstance(doc.get("currencyCode"), str):
        raise MalformedMessage(f"{what} has no amount with a currencyCode")
    currency = doc["currencyCode"].upper()
    minor = minor_of(doc["amount"], currency)
    if minor < 0:
        raise MalformedMessage(f"{what} is negative")
    return Money(amount_minor=minor, currency=currency)


# -- the search ---------------------------------------------------------------------------------
def specification(origin: GeoPoint, destination: GeoPoint, start: dt.datetime,
                  end: dt.datetime | None = None) -> Document:
    spec: Document = {"type": "travelSpecification", "from": place_ref(origin), "to": place_ref(destination),
                      "startTime": time_text(start)}
    if end is not None:
        spec["endTime"] = time_text(end)
    return spec


def search_request(query: OfferQuery) -> Document:
    """The searchOfferRequest of a query: the trip, and the party as one traveller group."""
    traveller: Document = {"type": "traveller", "id": "1", "groupSize": query.travellers}
    prm = [dict([NEED_PRM[need]]) for need in sorted(query.needs) if need in NEED_PRM]
    if prm:
        traveller["requirements"] = {"prmNeeds": prm}
    return {"inputs": {"type": "searchOffer",
                       "specification": specification(query.origin, query.destination, query.depart_at),
                       "travellers": [traveller]}}


def query_of(request: object, now: dt.datetime) -> OfferQuery:
    """The operator's side: a searchOfferRequest as a domain query (MalformedMessage when unusable)."""
    inputs = request.get("inputs") if isinstance(request, dict) else None
    if not isinstance(inputs, dict):
        raise MalformedMessage("the request has no inputs")
    spec = inputs.get("specification")
    if not isinstance(spec, dict):
        raise MalformedMessage("the request has no inputs.specification")
    travellers = [t for t in inputs.get("travellers") or [] if isinstance(t, dict)]
    party = sum(int(t.get("groupSize") or 1) for t in travellers) or 1
    needs = {PRM_NEEDS[item] for t in travellers for prm in (t.get("requirements") or {}).get("prmNeeds", [])
             if isinstance(prm, dict) for item in prm.items() if item in PRM_NEEDS}
    start = time_of(spec["startTime"], "startTime") if "startTime" in spec else now
    try:
        return OfferQuery(origin=point_of(spec.get("from")), destination=point_of(spec.get("to")),
                          depart_at=start, travellers=party, needs=frozenset(needs))
    except ValueError as exc:
        raise MalformedMessage(f"search request: {exc}") from exc


# -- offers ------------------------------------------------------------------------------------
def summary_of(offer: Offer) -> Document:
    mode = MODE_CLASSES.get(offer.mode, "OTHER")
    summary: Document = {
        "type": "offer", "id": offer.id,
        "specification": specification(offer.origin, offer.destination, offer.departure, offer.arrival),
        "price": money_doc(offer.price), "estimatedPrice": True,
        "legs": [{"mode": mode if mode in MODES_2 else "OTHER", "name": offer.description or offer.mode}],
        "products": [offer.vehicle_type or offer.mode]}
    if offer.conditions.cancellation_fee is not None:
        summary["cancellation"] = {"cancellable": True, "fee": money_doc(offer.conditions.cancellation_fee)}
    return summary


def offer_feature(offer: Offer) -> Document:
    return {"type": "Feature", "properties": summary_of(offer)}


def offer_collection(offers: list[Offer]) -> Document:
    return {"type": "FeatureCollection", "features": [offer_feature(o) for o in offers],
            "numberReturned": len(offers)}


def _mode_of(summary: Mapping[str, Any]) -> str:
    legs = summary.get("legs") or []
    mode = legs[0].get("mode") if legs and isinstance(legs[0], dict) else None
    return CLASS_MODES.get(mode, mode.lower()) if isinstance(mode, str) else "other"


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _conditions_of(summary: Mapping[str, Any], labels: list[str]) -> Conditions:
    cancellation = _object(summary.get("cancellation"))
    fee = money_of(cancellation["fee"], "cancellation.fee") if "fee" in cancellation else None
    notes = []
    deposit = (summary.get("paymentMethod") or {}).get("deposit")
    if deposit is not None:
        money = money_of(deposit, "paymentMethod.deposit")
        notes.append(f"The operator takes a deposit of {amount_of(money):g} {money.currency}.")
    if "UPFRONT_PAYMENT" in labels:
        notes.append("The operator is paid in advance, when the booking is made.")
    return Conditions(confirmation_required="PURCHASE_TO_BE_CONFIRMED" in labels, cancellation_fee=fee,
                      notes=tuple(notes))


def offer_of(feature: object, valid_until: dt.datetime, operator_id: str) -> Offer:
    summary = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(summary, dict) or not isinstance(summary.get("id"), str):
        raise MalformedMessage("an offer has no properties with an id")
    spec = summary.get("specification") or {}
    products = summary.get("products") or []
    try:
        return Offer(id=summary["id"], operator_id=operator_id, mode=_mode_of(summary),
                     price=money_of(summary.get("price"), f"offer {summary['id']} price"), valid_until=valid_until,
                     departure=time_of(spec.get("startTime"), f"offer {summary['id']} startTime"),
                     arrival=time_of(spec.get("endTime"), f"offer {summary['id']} endTime"),
                     origin=point_of(spec.get("from")), destination=point_of(spec.get("to")), distance_m=0,
                     conditions=_conditions_of(summary, []),
                     vehicle_type=products[0] if products and isinstance(products[0], str) else "",
                     description=str((summary.get("legs") or [{}])[0].get("name") or ""))
    except ValueError as exc:
        raise MalformedMessage(f"offer {summary['id']}: {exc}") from exc


# -- packages ----------------------------------------------------------------------------------
def package_of(booking: LegBooking, offer: Offer, *, package_id: str) -> Document:
    """A domain booking as the 2.0 package purchased from `offer` (one leg, the package's id)."""
    summary = summary_of(offer)
    labels = ["PURCHASE_TO_BE_CONFIRMED"] if booking.state is BookingState.CONDITIONAL_CONFIRMED else []
    leg: Document = {"type": "leg", "id": package_id, "specification": summary["specification"],
                     "mode": summary["legs"][0]["mode"], "status": LEG_STATUSES.get(booking.state, "NOT_STARTED"),
                     "products": summary["products"]}
    if labels:
        leg["labels"] = labels
    return {"type": "FeatureCollection", "features": [],
            "properties": {"type": "package", "id": package_id, "status": STATE_STATUSES[booking.state],
                           "summary": {**summary, "id": package_id},
                           "price": {**money_doc(booking.price), "elements": []},
                           "legs": [leg],
                           **({"customFields": {"reason": booking.reason[:1000]}} if booking.reason else {})}}


def leg_booking_of(package: object, operator_id: str, *, offer_id: str | None = None,
                   expires_at: dt.datetime | None = None) -> LegBooking:
    props = package.get("properties") if isinstance(package, dict) else None
    if not isinstance(props, dict) or not isinstance(props.get("id"), str):
        raise MalformedMessage("the package has no properties with an id")
    package_id = props["id"]
    legs = [leg for leg in props.get("legs") or [] if isinstance(leg, dict)]
    if len(legs) > 1:
        raise MalformedMessage(f"package {package_id} has {len(legs)} legs; the subset has one")
    status = props.get("status")
    if status not in STATUS_STATES:
        raise MalformedMessage(f"package {package_id} has status {status!r}, not a booking's")
    summary = _object(props.get("summary"))
    spec = summary.get("specification") or (legs[0].get("specification") if legs else None) or {}
    labels = [label for leg in legs for label in leg.get("labels") or []]
    state = STATUS_STATES[status]
    if state is BookingState.PENDING and "PURCHASE_TO_BE_CONFIRMED" in labels:
        state = BookingState.CONDITIONAL_CONFIRMED
    reason = (props.get("customFields") or {}).get("reason")
    try:
        return LegBooking(id=package_id, operator_id=operator_id, offer_id=offer_id or package_id, state=state,
                          price=money_of(props.get("price") or summary.get("price"), f"package {package_id} price"),
                          conditions=_conditions_of(summary, labels),
                          departure=time_of(spec.get("startTime"), f"package {package_id} startTime"),
                          arrival=time_of(spec.get("endTime"), f"package {package_id} endTime"),
                          expires_at=expires_at if state in (BookingState.PENDING,
                                                             BookingState.CONDITIONAL_CONFIRMED) else None,
                          reason=reason if isinstance(reason, str) else "")
    except ValueError as exc:
        raise MalformedMessage(f"package {package_id}: {exc}") from exc


def package_request(package_id: str, **inputs: Any) -> Document:
    """The body of the package processes (confirm, rollback, cancel, extend)."""
    return {"inputs": {"package": package_id, **inputs}}
