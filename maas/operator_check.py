"""`maas operators check URL`: the conformance kit (operators/conformance.py) against an operator's
TOMP-API endpoint, with probe trips planned inside the operator's area (`--area`) or in the demo
town, as a dry run or with probe bookings that are cancelled, every exchange recorded for the
report and checked against the TOMP 1.6.1 document (or, with `--version 2.0`, the 2.0 modules
and the 2.0 adapter). Needs no database.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import math
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from yarl import URL

from maas.bootstrap import SystemClock
from maas.domain.accounts import GeoPoint
from maas.domain.errors import DomainError
from maas.domain.mobility import OfferQuery
from maas.plugins import OperatorEntry, OperatorsConfig, build_adapters
from operators.conformance import ConformanceScenario, run_conformance
from operators.tomp.recording import Recording
from operators.tomp.spec import TompSpec, corpus_spec


def _check_scenario(now: dt.datetime) -> ConformanceScenario:
    """A ride in the demo region from near 山吹駅 (36.40, 138.90) northwards, in the next service
    hours (now, or 07:00 Tokyo time when the night is too near); a party of 9 is refused."""
    tokyo = ZoneInfo("Asia/Tokyo")
    local = now.astimezone(tokyo)
    depart = local + dt.timedelta(minutes=15)
    if not dt.time(6, 30) <= local.time() < dt.time(22, 30):
        day = local.date() + dt.timedelta(days=1 if local.time() >= dt.time(22, 30) else 0)
        depart = dt.datetime.combine(day, dt.time(7, 0), tzinfo=tokyo)
    query = OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.415, lon=138.905),
                       depart_at=depart.astimezone(dt.UTC))
    return ConformanceScenario(query, rejected_query=query.model_copy(update={"travellers": 9}))


def _area_scenario(area: str, at: dt.datetime) -> ConformanceScenario:
    """Probe trips inside the operator's area: from its centre to a point 70 % of the radius to
    the north-east; a party of 9 as the trip it should refuse."""
    parts = [float(p) for p in area.split(",")]
    if len(parts) not in (2, 3) or not -90 <= parts[0] <= 90 or not -180 <= parts[1] <= 180:
        raise ValueError("--area is LAT,LON or LAT,LON,RADIUS_M")
    radius_m = parts[2] if len(parts) == 3 else 1000.0
    if not 100 <= radius_m <= 100_000:
        raise ValueError("the --area radius is between 100 m and 100 km")
    step_m = 0.7 * radius_m / math.sqrt(2)
    lat, lon = parts[0], parts[1]
    destination = GeoPoint(lat=lat + step_m / 111_320, lon=lon + step_m / (111_320 * math.cos(math.radians(lat))))
    query = OfferQuery(origin=GeoPoint(lat=lat, lon=lon), destination=destination, depart_at=at.astimezone(dt.UTC))
    return ConformanceScenario(query, rejected_query=query.model_copy(update={"travellers": 9}))


def _check_spec(path: str | None, version: str) -> TompSpec | None:
    candidate = Path(path) if path else corpus_spec(version=version)
    if not candidate.exists():
        if path:
            raise ValueError(f"no TOMP document at {path}")
        return None
    return TompSpec.load(candidate)


def run(args: argparse.Namespace) -> int:
    """`maas operators check` (its arguments in maas/cli.py): 0 conforms, 1 does not, 2 usage."""
    url = URL(args.url)
    if url.scheme not in ("http", "https") or not url.host:
        print(f"maas: {args.url!r} is not an http(s) URL", file=sys.stderr)
        return 2
    if not 0 < args.timeout_s <= 120 or not 0 <= args.max_expiry_wait_s <= 600:
        print("maas: --timeout-s must be in (0, 120] and --max-expiry-wait-s in [0, 600]", file=sys.stderr)
        return 2
    now = dt.datetime.now(dt.UTC)
    try:
        at = dt.datetime.fromisoformat(args.at) if args.at else now + dt.timedelta(minutes=15)
        if at.utcoffset() is None:
            raise ValueError("--at needs its UTC offset, e.g. 2026-11-24T10:00:00+09:00")
        scenario = _area_scenario(args.area, at) if args.area else _check_scenario(now)
        version = getattr(args, "tomp_version", "1.6")
        spec = _check_spec(args.spec, version)
    except (ValueError, OSError) as exc:
        print(f"maas: {exc}", file=sys.stderr)
        return 2
    if args.token_url is not None and not (args.client_id and args.client_secret):
        print("maas: --token-url needs --client-id and --client-secret", file=sys.stderr)
        return 2

    async def work() -> int:
        credentials = {name: value for name in ("api_key", "token_url", "client_id", "client_secret")
                       if (value := getattr(args, name)) is not None}
        entry = OperatorEntry(id="remote", adapter="tomp",
                              options={"base_url": args.url, "timeout_s": args.timeout_s, "retries": 1,
                                       "version": version, **credentials})
        adapter = build_adapters(OperatorsConfig(operators=(entry,)), Path.cwd(), SystemClock())["remote"]
        recording = Recording(spec)
        adapter.client.recording = recording  # type: ignore[attr-defined]
        try:
            try:
                info = await adapter.information()  # type: ignore[attr-defined]
            except DomainError as exc:
                print(f"maas: cannot check {args.url}: {exc.message}", file=sys.stderr)
                return 1
            mode = "a dry run: nothing is booked" if args.dry_run else "probe bookings are cancelled"
            print(f"checking {info.name} ({info.systemId}) at {args.url} ({mode})", flush=True)
            checked = dataclasses.replace(scenario, timeout_s=args.timeout_s, dry_run=args.dry_run,
                                          max_expiry_wait_s=args.max_expiry_wait_s, version=version)
            report = await run_conformance(adapter, checked, exchanges=recording)
        finally:
            await adapter.aclose()
        print(report.summary())
        return 0 if report.ok else 1

    return asyncio.run(work())
