"""Read a GTFS-Realtime FeedMessage (protobuf, or its JSON rendering) with gtfs-realtime-bindings.

`read_feed(data)` returns a `FeedContent`; bytes that are not a FeedMessage raise
`MalformedFeed`. An entity the reader cannot use (a trip update without a trip id, a vehicle
without a position, ...) is left out and listed in `FeedContent.rejected` with the reason.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from routing.errors import RoutingError
from routing.realtime.model import (ActivePeriod, Alert, FeedContent, InformedEntity, StopTimeUpdate,
                                    TripUpdate, VehiclePosition)


# Enum names looked up once: a large feed has thousands of stop time updates.
_STOP_RELATIONSHIP = {v: k for k, v in pb.TripUpdate.StopTimeUpdate.ScheduleRelationship.items()}


class MalformedFeed(ValueError, RoutingError):
    """The bytes are not a GTFS-Realtime FeedMessage."""


def read_feed(data: bytes) -> FeedContent:
    """A binary FeedMessage; JSON (a '{' first) is read as protobuf's JSON mapping."""
    message = pb.FeedMessage()
    if data.lstrip()[:1] == b"{":
        try:
            json_format.Parse(data.decode("utf-8"), message, ignore_unknown_fields=True)
        except (json_format.ParseError, UnicodeDecodeError) as exc:
            raise MalformedFeed(f"not a GTFS-RT JSON FeedMessage: {exc}") from None
    else:
        try:
            message.ParseFromString(data)
        except DecodeError as exc:
            raise MalformedFeed(f"not a GTFS-RT FeedMessage: {exc}") from None
    if not message.IsInitialized() or not message.header.gtfs_realtime_version:
        # A FeedMessage always carries a header with a version; random bytes sometimes parse.
        raise MalformedFeed("not a GTFS-RT FeedMessage: no header version")
    return content_of(message)


def content_of(message: Any) -> FeedContent:
    trip_updates: list[TripUpdate] = []
    alerts: list[Alert] = []
    vehicles: list[VehiclePosition] = []
    rejected: list[tuple[str, str]] = []
    for entity in message.entity:
        if entity.is_deleted:
            continue
        if entity.HasField("trip_update"):
            update = _trip_update(entity.id, entity.trip_update)
            if isinstance(update, str):
                rejected.append((entity.id, update))
            else:
                trip_updates.append(update)
        if entity.HasField("vehicle"):
            vehicle = _vehicle(entity.id, entity.vehicle)
            if isinstance(vehicle, str):
                rejected.append((entity.id, vehicle))
            else:
                vehicles.append(vehicle)
        if entity.HasField("alert"):
            alerts.append(_alert(entity.id, entity.alert))
    header = message.header
    return FeedContent(
        timestamp=header.timestamp if header.HasField("timestamp") else None,
        incrementality=pb.FeedHeader.Incrementality.Name(header.incrementality),
        trip_updates=tuple(trip_updates), alerts=tuple(alerts), vehicles=tuple(vehicles),
        rejected=tuple(rejected))


def _opt(message: Any, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def _trip_update(entity_id: str, update: Any) -> TripUpdate | str:
    trip = update.trip
    if not trip.trip_id:
        return "trip update without a trip_id"
    stops = []
    for stu in update.stop_time_update:
        if not stu.HasField("stop_sequence") and not stu.stop_id:
            return "stop time update with neither stop_sequence nor stop_id"
        arrival = stu.arrival if stu.HasField("arrival") else None
        departure = stu.departure if stu.HasField("departure") else None
        stops.append(StopTimeUpdate(
            stop_sequence=_opt(stu, "stop_sequence"), stop_id=stu.stop_id or None,
            arrival_time=_opt(arrival, "time") if arrival is not None else None,
            arrival_delay_s=_opt(arrival, "delay") if arrival is not None else None,
            departure_time=_opt(departure, "time") if departure is not None else None,
            departure_delay_s=_opt(departure, "delay") if departure is not None else None,
            relationship=_STOP_RELATIONSHIP.get(stu.schedule_relationship, "SCHEDULED")))
    return TripUpdate(
        entity_id=entity_id, trip_id=trip.trip_id, start_date=trip.start_date or None,
        start_time=trip.start_time or None, route_id=trip.route_id or None,
        relationship=pb.TripDescriptor.ScheduleRelationship.Name(trip.schedule_relationship),
        delay_s=_opt(update, "delay"), timestamp=_opt(update, "timestamp"),
        vehicle_id=(update.vehicle.id or None) if update.HasField("vehicle") else None,
        stops=tuple(stops))


def _vehicle(entity_id: str, vehicle: Any) -> VehiclePosition | str:
    if not vehicle.HasField("position"):
        return "vehicle without a position"
    position = vehicle.position
    if not (-90 <= position.latitude <= 90 and -180 <= position.longitude <= 180):
        return "vehicle position outside WGS84 range"
    trip = vehicle.trip if vehicle.HasField("trip") else None
    descriptor = vehicle.vehicle if vehicle.HasField("vehicle") else None
    return VehiclePosition(
        entity_id=entity_id, latitude=position.latitude, longitude=position.longitude,
        vehicle_id=(descriptor.id or None) if descriptor is not None else None,
        label=(descriptor.label or None) if descriptor is not None else None,
        trip_id=(trip.trip_id or None) if trip is not None else None,
        start_date=(trip.start_date or None) if trip is not None else None,
        route_id=(trip.route_id or None) if trip is not None else None,
        bearing=_opt(position, "bearing"), speed_mps=_opt(position, "speed"),
        timestamp=_opt(vehicle, "timestamp"), current_stop_sequence=_opt(vehicle, "current_stop_sequence"),
        stop_id=vehicle.stop_id or None,
        status=(pb.VehiclePosition.VehicleStopStatus.Name(vehicle.current_status)
                if vehicle.HasField("current_status") else None))


def _texts(translated: Any) -> dict[str, str]:
    return {t.language or "": t.text for t in translated.translation}


def _alert(entity_id: str, alert: Any) -> Alert:
    informed = tuple(
        InformedEntity(agency_id=e.agency_id or None, route_id=e.route_id or None,
                       route_type=_opt(e, "route_type"), stop_id=e.stop_id or None,
                       trip_id=(e.trip.trip_id or None) if e.HasField("trip") else None)
        for e in alert.informed_entity)
    periods = tuple(ActivePeriod(start=_opt(p, "start") or None, end=_opt(p, "end") or None)
                    for p in alert.active_period)
    return Alert(entity_id=entity_id, informed=informed, active_periods=periods,
                 cause=pb.Alert.Cause.Name(alert.cause), effect=pb.Alert.Effect.Name(alert.effect),
                 header=_texts(alert.header_text), description=_texts(alert.description_text),
                 url=_texts(alert.url))
