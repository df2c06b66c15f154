"""The platform's own GTFS-Realtime: the on-demand vans' positions as a FeedMessage (routing.realtime.writer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from maas.domain.realtime import VehicleFix
from routing.realtime import VehiclePosition, feed_message, to_bytes, to_json


class GtfsRtPublisher:
    def vehicle_positions(self, fixes: Sequence[VehicleFix], at: dt.datetime) -> bytes:
        vehicles = [VehiclePosition(entity_id=f.vehicle_id, latitude=f.lat, longitude=f.lon, vehicle_id=f.vehicle_id,
                                    label=f.label, timestamp=int(f.at.timestamp()), status=f.status)
                    for f in fixes]
        return to_bytes(feed_message(int(at.timestamp()), vehicles=vehicles))

    def as_json(self, message: bytes) -> str:
        parsed = pb.FeedMessage()
        try:
            parsed.ParseFromString(message)
        except DecodeError as exc:
            raise ValueError(f"not a FeedMessage: {exc}") from None
        return to_json(parsed)
