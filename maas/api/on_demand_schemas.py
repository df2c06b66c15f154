"""API shapes of on-demand rides: quote requests, offers with their pickup window, rides, driver
manifests and drivers' reports."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from maas.api.schemas import MoneyOut, Point, Request
from maas.api.texts import text, texts
from maas.api.trip_option_schemas import ConditionsOut, read_as
from maas.domain.accounts import GeoPoint
from maas.domain.mobility import Offer, OfferQuery, TripEventKind
from maas.domain.ondemand import Manifest, ManifestStop, Ride
from maas.domain.planning import Money

Need = Literal["wheelchair", "walking_aid", "escort", "hearing", "visual"]


class RideQuoteRequest(Request):
    origin: Point
    destination: Point
    depart_at: AwareDatetime = Field(description="When the rider would like to be picked up.",
                                     examples=["2026-11-24T10:00:00+09:00"])
    arrive_by: AwareDatetime | None = Field(
        default=None, description="The latest the rider may arrive: the van promises it or refuses "
                                  "(`cannot_arrive_in_time`).", examples=["2026-11-24T10:30:00+09:00"])
    travellers: int = Field(default=1, ge=1, le=9)
    needs: list[Need] = Field(default_factory=list, max_length=5)
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the account id of the rider quoted for.")

    def to_query(self) -> OfferQuery:
        return OfferQuery(origin=GeoPoint(lat=self.origin.lat, lon=self.origin.lon),
                          destination=GeoPoint(lat=self.destination.lat, lon=self.destination.lon),
                          depart_at=self.depart_at, travellers=self.travellers, needs=frozenset(self.needs),
                          arrive_by=self.arrive_by)


class RideOfferOut(BaseModel):
    offer_id: str = Field(description="Book it with POST .../rides before `valid_until`.")
    operator_id: str
    pickup_at: dt.datetime = Field(description="The van's scheduled pickup, inside the window.")
    arrival: dt.datetime
    latest_arrival: dt.datetime | None = Field(
        description="Promised: the rider is set down by then, whatever is booked later (with `arrive_by`, no later "
                    "than it).")
    price: MoneyOut = Field(description="The operator's fare.")
    rider_price: MoneyOut = Field(description="What the rider it was quoted for pays after the town's fare rules.")
    valid_until: dt.datetime
    distance_m: int
    vehicle_type: str
    conditions: ConditionsOut
    description: str

    @classmethod
    def of(cls, offer: Offer, rider_price: Money | None = None) -> RideOfferOut:
        c = offer.conditions
        return cls(offer_id=offer.id, operator_id=offer.operator_id, pickup_at=offer.departure, arrival=offer.arrival,
                   latest_arrival=offer.latest_arrival,
                   price=MoneyOut.of(offer.price),
                   valid_until=read_as(offer.valid_until, offer.departure),
                   rider_price=MoneyOut.of(rider_price or offer.price),
                   distance_m=offer.distance_m, vehicle_type=offer.vehicle_type, description=text(offer.description),
                   conditions=ConditionsOut(confirmation_required=c.confirmation_required,
                                            free_cancellation_until=c.free_cancellation_until,
                                            cancellation_fee=MoneyOut.of(c.cancellation_fee), notes=texts(c.notes)))


class RideBookRequest(Request):
    offer_id: str = Field(min_length=1, max_length=200)
    rider_name: str = Field(default="", max_length=200, description="For the driver's manifest.")
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the account id of the rider booked for.")


class RideOut(BaseModel):
    id: str
    operator_id: str
    state: str
    reason: str
    service_date: dt.date
    origin: Point
    destination: Point
    travellers: int
    wheelchairs: int
    needs: list[str]
    requested_pickup: dt.datetime
    pickup_from: dt.datetime = Field(description="The promised pickup window.")
    pickup_until: dt.datetime
    latest_dropoff: dt.datetime
    arrive_by: dt.datetime | None = Field(description="The arrival time the rider asked for and was promised.")
    vehicle_id: str
    rider_name: str
    booked_by: str = Field(description="The account that booked it: the rider, or call-centre staff for them "
                                       "(empty for a ride booked as part of a trip booking, which records it).")
    price: MoneyOut = Field(description="The operator's fare.")
    rider_price: MoneyOut = Field(description="What the rider pays after the town's fare rules (on board, or in "
                                              "the trip booking holding the ride).")
    subsidy: MoneyOut = Field(description="What the town pays the operator for the ride.")
    picked_up_at: dt.datetime | None
    dropped_off_at: dt.datetime | None
    no_show_at: dt.datetime | None

    @classmethod
    def of(cls, ride: Ride) -> RideOut:
        b = ride.booking
        return cls(id=ride.id, operator_id=ride.operator_id, state=b.state.value, reason=text(b.reason),
                   service_date=ride.service_date, origin=Point(lat=ride.origin.lat, lon=ride.origin.lon),
                   destination=Point(lat=ride.destination.lat, lon=ride.destination.lon),
                   travellers=ride.travellers, wheelchairs=ride.wheelchairs, needs=sorted(ride.needs),
                   requested_pickup=ride.requested_pickup, pickup_from=ride.pickup_from,
                   pickup_until=ride.pickup_until, latest_dropoff=ride.latest_dropoff, arrive_by=ride.arrive_by,
                   vehicle_id=ride.vehicle_id,
                   rider_name=ride.rider_name, booked_by=ride.booked_by,
                   price=MoneyOut.of(b.price), picked_up_at=ride.picked_up_at,
                   rider_price=MoneyOut.of(ride.rider_price or b.price),
                   subsidy=MoneyOut.of(ride.subsidy or Money(amount_minor=0, currency=b.price.currency)),
                   dropped_off_at=ride.dropped_off_at, no_show_at=ride.no_show_at)


class RideList(BaseModel):
    items: list[RideOut]


class RideListQuery(Request):
    date: dt.date | None = None
    rider: str | None = Field(default=None, max_length=100, description="Staff only: one rider's rides.")
    limit: int = Field(default=100, ge=1, le=500)


class VehiclePositionsQuery(Request):
    format: Literal["pb", "json"] = Field(default="pb", description="pb: the GTFS-RT protobuf (application/"
                                          "x-protobuf); json: the same message in protobuf's JSON mapping, to read.")


class ManifestQuery(Request):
    date: dt.date
    vehicle_id: str | None = Field(default=None, max_length=100)


class ManifestStopOut(BaseModel):
    ride_id: str
    kind: Literal["pickup", "drop_off", "break"]
    place: Point
    planned_at: dt.datetime
    window_from: dt.datetime
    window_until: dt.datetime
    travellers: int
    wheelchairs: int
    needs: list[str]
    rider_name: str
    done_at: dt.datetime | None
    outcome: str

    @classmethod
    def of(cls, stop: ManifestStop) -> ManifestStopOut:
        return cls(ride_id=stop.ride_id, kind=stop.kind.value, place=Point(lat=stop.place.lat, lon=stop.place.lon),
                   planned_at=stop.planned_at, window_from=stop.window_from, window_until=stop.window_until,
                   travellers=stop.travellers, wheelchairs=stop.wheelchairs, needs=sorted(stop.needs),
                   rider_name=text(stop.rider_name) if stop.kind.value == "break" else stop.rider_name,
                   done_at=stop.done_at, outcome=stop.outcome)


class ManifestOut(BaseModel):
    vehicle_id: str
    service_date: dt.date
    shift_start: dt.datetime
    shift_end: dt.datetime
    seats: int
    wheelchair_places: int
    plan_version: int
    stops: list[ManifestStopOut]

    @classmethod
    def of(cls, m: Manifest) -> ManifestOut:
        return cls(vehicle_id=m.vehicle_id, service_date=m.service_date, shift_start=m.shift_start,
                   shift_end=m.shift_end, seats=m.seats, wheelchair_places=m.wheelchair_places,
                   plan_version=m.plan_version, stops=[ManifestStopOut.of(s) for s in m.stops])


class ManifestList(BaseModel):
    operator_id: str
    items: list[ManifestOut]


REPORT_KINDS = {"picked_up": TripEventKind.STARTED, "dropped_off": TripEventKind.FINISHED,
                "no_show": TripEventKind.NO_SHOW, "issue": TripEventKind.ISSUE,
                "arrived": TripEventKind.ISSUE}  # at the pickup: a note for the operator, news for the rider


class RideReportRequest(Request):
    kind: Literal["picked_up", "dropped_off", "no_show", "issue", "arrived"]
    at: AwareDatetime | None = Field(default=None, description="When it happened; now if left out.")
    detail: str = Field(default="", max_length=2000)
