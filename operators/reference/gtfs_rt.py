"""A reference GTFS-Realtime server for the demo region: delays, cancellations and alerts on demand.

    python -m operators.reference.gtfs_rt --demo-dir fixtures/demo-region --port 8091

GET /gtfs-rt is the FeedMessage (protobuf; ?format=json for people) of what has been injected:
trip updates and alerts. A small control API injects them, checked against the demo's static feed:

    POST /control/delay   {"trip_id": "...", "delay_s": 600, "stop_sequence": 3, "start_date": "YYYYMMDD"}
    POST /control/cancel  {"trip_id": "...", "start_date": "YYYYMMDD"}
    POST /control/skip    {"trip_id": "...", "stop_sequence": 2}
    POST /control/alert   {"id": "snow", "route_id": "...", "stop_id": "...", "trip_id": "...",
                           "header": {"ja": "...", "en": "..."}, "description": {...},
                           "effect": "SIGNIFICANT_DELAYS", "cause": "WEATHER", "start": 0, "end": 0}
    POST /control/reset   forget everything;  GET /control  what is injected

start_date defaults to today's service date in the feed's timezone. Errors are 400/404 with
{"error": "..."}. A separate program standing in for a bus company's feed, not part of the service.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from google.transit import gtfs_realtime_pb2 as pb

from routing.realtime import (ActivePeriod, Alert, InformedEntity, StaticTrips, StopTimeUpdate, TripUpdate,
                              feed_message, to_bytes, to_json)

TripKey = tuple[str, str]


class BadControl(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Disruptions:
    """What has been injected, turned into a FeedMessage on every read."""

    static: StaticTrips
    clock: Callable[[], float] = time.time
    delays: dict[TripKey, tuple[int, int]] = field(default_factory=dict)  # -> (stop_sequence, delay_s)
    cancelled: set[TripKey] = field(default_factory=set)
    skipped: dict[TripKey, set[int]] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)

    def _key(self, body: dict[str, Any]) -> TripKey:
        trip_id = body.get("trip_id")
        if not isinstance(trip_id, str) or not trip_id:
            raise BadControl(400, "trip_id is required")
        if trip_id not in self.static:
            raise BadControl(404, f"no trip {trip_id} in the static feed")
        start_date = body.get("start_date")
        if start_date is None:
            start_date = dt.datetime.fromtimestamp(self.clock(), self.static.timezone).strftime("%Y%m%d")
        if not isinstance(start_date, str) or len(start_date) != 8 or not start_date.isdigit():
            raise BadControl(400, "start_date is YYYYMMDD")
        return trip_id, start_date

    def _sequence(self, trip_id: str, body: dict[str, Any], default_first: bool) -> int:
        stops = self.static.stop_times(trip_id) or ()
        value = body.get("stop_sequence", stops[0].stop_sequence if default_first and stops else None)
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadControl(400, "stop_sequence is an integer")
        if value not in {s.stop_sequence for s in stops}:
            raise BadControl(404, f"trip {trip_id} has no stop_sequence {value}")
        return value

    def delay(self, body: dict[str, Any]) -> None:
        key = self._key(body)
        delay = body.get("delay_s")
        if not isinstance(delay, int) or isinstance(delay, bool) or not -3600 <= delay <= 86400:
            raise BadControl(400, "delay_s is an integer between -3600 and 86400")
        self.delays[key] = (self._sequence(key[0], body, True), delay)

    def cancel(self, body: dict[str, Any]) -> None:
        self.cancelled.add(self._key(body))

    def skip(self, body: dict[str, Any]) -> None:
        key = self._key(body)
        sequence = self._sequence(key[0], body, False)  # checked before anything is recorded
        self.skipped.setdefault(key, set()).add(sequence)

    def alert(self, body: dict[str, Any]) -> str:
        alert_id = str(body.get("id") or f"alert-{len(self.alerts) + 1}")
        informed = InformedEntity(route_id=_text(body, "route_id"), stop_id=_text(body, "stop_id"),
                                  trip_id=_text(body, "trip_id"), agency_id=_text(body, "agency_id"))
        if not (informed.route_id or informed.stop_id or informed.trip_id or informed.agency_id):
            raise BadControl(400, "an alert informs a route_id, stop_id, trip_id or agency_id")
        header, description = _texts(body, "header"), _texts(body, "description")
        if not header:
            raise BadControl(400, "header is {language: text}, e.g. {\"ja\": \"...\", \"en\": \"...\"}")
        cause, effect = str(body.get("cause", "UNKNOWN_CAUSE")), str(body.get("effect", "UNKNOWN_EFFECT"))
        if cause not in pb.Alert.Cause.keys() or effect not in pb.Alert.Effect.keys():
            raise BadControl(400, "cause and effect are GTFS-RT Alert names (e.g. WEATHER, SIGNIFICANT_DELAYS)")
        start, end = body.get("start"), body.get("end")
        for value in (start, end):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise BadControl(400, "start and end are POSIX seconds")
        periods = (ActivePeriod(start, end),) if start or end else ()
        self.alerts[alert_id] = Alert(alert_id, (informed,), periods, cause=cause, effect=effect, header=header,
                                      description=description)
        return alert_id

    def reset(self) -> None:
        self.delays.clear()
        self.cancelled.clear()
        self.skipped.clear()
        self.alerts.clear()

    def message(self) -> Any:
        now = int(self.clock())
        updates: list[TripUpdate] = []
        for key in sorted(set(self.delays) | self.cancelled | set(self.skipped)):
            trip_id, start_date = key
            if key in self.cancelled:
                updates.append(TripUpdate(f"{trip_id}/{start_date}", trip_id, start_date=start_date,
                                          relationship="CANCELED", timestamp=now))
                continue
            stops: dict[int, StopTimeUpdate] = {}
            if key in self.delays:
                sequence, delay = self.delays[key]
                stops[sequence] = StopTimeUpdate(stop_sequence=sequence, arrival_delay_s=delay, departure_delay_s=delay)
            for sequence in self.skipped.get(key, ()):
                stops[sequence] = StopTimeUpdate(stop_sequence=sequence, relationship="SKIPPED")
            updates.append(TripUpdate(f"{trip_id}/{start_date}", trip_id, start_date=start_date, timestamp=now,
                                      route_id=self.static.route_id(trip_id),
                                      stops=tuple(stops[s] for s in sorted(stops))))
        return feed_message(now, trip_updates=updates, alerts=list(self.alerts.values()))

    def state(self) -> dict[str, Any]:
        return {"delays": [{"trip_id": t, "start_date": d, "stop_sequence": s, "delay_s": v}
                           for (t, d), (s, v) in sorted(self.delays.items())],
                "cancelled": [{"trip_id": t, "start_date": d} for t, d in sorted(self.cancelled)],
                "skipped": [{"trip_id": t, "start_date": d, "stop_sequences": sorted(s)}
                            for (t, d), s in sorted(self.skipped.items())],
                "alerts": sorted(self.alerts)}


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadControl(400, f"{name} is a string")
    return value or None


def _texts(body: dict[str, Any], name: str) -> dict[str, str]:
    value = body.get(name, {})
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise BadControl(400, f"{name} is {{language: text}}")
    return dict(value)


DISRUPTIONS = web.AppKey("disruptions", Disruptions)


def make_app(disruptions: Disruptions) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[DISRUPTIONS] = disruptions

    async def feed(request: web.Request) -> web.Response:
        message = disruptions.message()
        if request.query.get("format") == "json":
            return web.Response(text=to_json(message), content_type="application/json")
        return web.Response(body=to_bytes(message), content_type="application/x-protobuf")

    def control(action: Callable[[dict[str, Any]], object]) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"error": "the body is a JSON object"}, status=400)
            if not isinstance(body, dict):
                return web.json_response({"error": "the body is a JSON object"}, status=400)
            try:
                result = action(body)
            except BadControl as exc:
                return web.json_response({"error": str(exc)}, status=exc.status)
            return web.json_response({"ok": True, **({"id": result} if isinstance(result, str) else {}),
                                      **disruptions.state()})
        return handle

    async def state(request: web.Request) -> web.Response:
        return web.json_response(disruptions.state())

    async def reset(request: web.Request) -> web.Response:
        disruptions.reset()
        return web.json_response(disruptions.state())

    app.router.add_get("/gtfs-rt", feed)
    app.router.add_get("/control", state)
    app.router.add_post("/control/delay", control(disruptions.delay))
    app.router.add_post("/control/cancel", control(disruptions.cancel))
    app.router.add_post("/control/skip", control(disruptions.skip))
    app.router.add_post("/control/alert", control(disruptions.alert))
    app.router.add_post("/control/reset", reset)
    return app


async def start(disruptions: Disruptions, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve until the runner is cleaned up; returns the runner and the port bound (0 picks one)."""
    runner = web.AppRunner(make_app(disruptions), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, runner.addresses[0][1]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8091, help="0 picks a free port (printed at start)")
    p.add_argument("--demo-dir", type=Path, default=Path("fixtures/demo-region"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        static = StaticTrips.read(args.demo_dir / "gtfs")
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot read the demo feed in {args.demo_dir}: {exc}")
        return 2

    async def serve() -> None:
        runner, port = await start(Disruptions(static), args.host, args.port)
        print(f"GTFS-Realtime reference server on http://{args.host}:{port}/gtfs-rt  (Ctrl-C stops it)", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
