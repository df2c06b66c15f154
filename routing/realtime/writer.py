"""Write FeedMessages from the model's values: for the reference server, the vans' positions, tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2 as pb

from routing.realtime.model import Alert, TripUpdate, VehiclePosition


def feed_message(timestamp: int, *, trip_updates: Iterable[TripUpdate] = (), alerts: Iterable[Alert] = (),
                 vehicles: Iterable[VehiclePosition] = ()) -> Any:
    message = pb.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = pb.FeedHeader.FULL_DATASET
    message.header.timestamp = timestamp
    for update in trip_updates:
        _trip_update(message.entity.add(), update)
    for alert in alerts:
        _alert(message.entity.add(), alert)
    for vehicle in vehicles:
        _vehicle(message.entity.add(), vehicle)
    return message


def to_bytes(message: Any) -> bytes:
    return bytes(message.SerializeToString())


def to_json(message: Any) -> str:
    return str(json_format.MessageToJson(message, preserving_proto_field_name=True, indent=None))


def _trip_update(entity: Any, update: TripUpdate) -> None:
    entity.id = update.entity_id
    tu = entity.trip_update
    tu.trip.trip_id = update.trip_id
    if update.start_date:
        tu.trip.start_date = update.start_date
    if update.route_id:
        tu.trip.route_id = update.route_id
    tu.trip.schedule_relationship = pb.TripDescriptor.ScheduleRelationship.Value(update.relationship)
    if update.delay_s is not None:
        tu.delay = update.delay_s
    if update.timestamp is not None:
        tu.timestamp = update.timestamp
    if update.vehicle_id:
        tu.vehicle.id = update.vehicle_id
    for stop in update.stops:
        stu = tu.stop_time_update.add()
        if stop.stop_sequence is not None:
            stu.stop_sequence = stop.stop_sequence
        if stop.stop_id:
            stu.stop_id = stop.stop_id
        for event, time, delay in ((stu.arrival, stop.arrival_time, stop.arrival_delay_s),
                                   (stu.departure, stop.departure_time, stop.departure_delay_s)):
            if time is not None:
                event.time = time
            if delay is not None:
                event.delay = delay
        stu.schedule_relationship = pb.TripUpdate.StopTimeUpdate.ScheduleRelationship.Value(stop.relationship)


def _texts(target: Any, texts: dict[str, str]) -> None:
    for language, text in texts.items():
        translation = target.translation.add()
        translation.text = text
        if language:
            translation.language = language


def _alert(entity: Any, alert: Alert) -> None:
    entity.id = alert.entity_id
    a = entity.alert
    for period in alert.active_periods:
        p = a.active_period.add()
        if period.start is not None:
            p.start = period.start
        if period.end is not None:
            p.end = period.end
    for informed in alert.informed:
        e = a.informed_entity.add()
        if informed.agency_id:
            e.agency_id = informed.agency_id
        if informed.route_id:
            e.route_id = informed.route_id
        if informed.route_type is not None:
            e.route_type = informed.route_type
        if informed.stop_id:
            e.stop_id = informed.stop_id
        if informed.trip_id:
            e.trip.trip_id = informed.trip_id
    a.cause = pb.Alert.Cause.Value(alert.cause)
    a.effect = pb.Alert.Effect.Value(alert.effect)
    _texts(a.header_text, alert.header)
    _texts(a.description_text, alert.description)
    if alert.url:
        _texts(a.url, alert.url)


def _vehicle(entity: Any, vehicle: VehiclePosition) -> None:
    entity.id = vehicle.entity_id
    v = entity.vehicle
    v.position.latitude = vehicle.latitude
    v.position.longitude = vehicle.longitude
    if vehicle.bearing is not None:
        v.position.bearing = vehicle.bearing
    if vehicle.speed_mps is not None:
        v.position.speed = vehicle.speed_mps
    if vehicle.vehicle_id:
        v.vehicle.id = vehicle.vehicle_id
    if vehicle.label:
        v.vehicle.label = vehicle.label
    if vehicle.trip_id:
        v.trip.trip_id = vehicle.trip_id
    if vehicle.start_date:
        v.trip.start_date = vehicle.start_date
    if vehicle.route_id:
        v.trip.route_id = vehicle.route_id
    if vehicle.timestamp is not None:
        v.timestamp = vehicle.timestamp
    if vehicle.current_stop_sequence is not None:
        v.current_stop_sequence = vehicle.current_stop_sequence
    if vehicle.stop_id:
        v.stop_id = vehicle.stop_id
    if vehicle.status:
        v.current_status = pb.VehiclePosition.VehicleStopStatus.Value(vehicle.status)
