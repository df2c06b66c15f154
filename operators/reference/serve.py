"""Running a reference operator service: the shared command line and a start/stop helper."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from operators.reference.app import ReferenceOperator, make_app
from operators.reference.app2 import make_app2
from operators.reference.maas_client import MaasReporter


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed at start)")
    p.add_argument("--demo-dir", type=Path, default=Path("fixtures/demo-region"))
    p.add_argument("--offer-validity-s", type=int, default=300, help="how long offers stay valid")
    p.add_argument("--delay-s", type=float, default=0.0,
                   help="an artificial pause before every answer (to test time limits)")
    p.add_argument("--place-at", metavar="LAT,LON",
                   help="serve another area: the demo town's fleet moved so its centre is here")
    p.add_argument("--maas-url", help="the MaaS provider's TOMP root (…/tomp/v1) to report trip events to")
    p.add_argument("--maas-key", help="the API key the MaaS provider issued to this operator")
    p.add_argument("--tomp-version", choices=("1.6", "2.0"), default="1.6",
                   help="the TOMP-API version served (default 1.6; 2.0: operators/reference/app2.py)")
    p.add_argument("--api-key", action="append", default=[],
                   help="TOMP 2.0: a bearer token callers must send (repeatable; none: any caller)")
    return p


async def start(operator: ReferenceOperator, host: str, port: int, *, version: str = "1.6",
                api_keys: Sequence[str] = ()) -> tuple[web.AppRunner, int]:
    """Serve the operator until the runner is cleaned up; returns the runner and the bound port."""
    app = make_app2(operator, api_keys=api_keys) if version == "2.0" else make_app(operator)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, runner.addresses[0][1]  # the port actually bound when 0 was asked


def run(build: Callable[[argparse.Namespace], ReferenceOperator], description: str,
        argv: Sequence[str] | None = None) -> int:
    args = parser(description).parse_args(argv)
    if args.offer_validity_s < 1 or args.delay_s < 0:
        print("offer validity must be at least 1 s and the delay not negative")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.maas_url) != bool(args.maas_key):
        print("--maas-url and --maas-key go together")
        return 2
    try:
        operator = build(args)
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot load the operator from {args.demo_dir}: {exc}")
        return 2
    if args.place_at:
        try:
            lat, lon = (float(v) for v in args.place_at.split(","))
            centre = json.loads((args.demo_dir / "region.json").read_text(encoding="utf-8"))["center"]
        except (ValueError, OSError, KeyError) as exc:
            print(f"--place-at needs LAT,LON and the demo region's centre: {exc}")
            return 2
        operator.shift = (lat - centre["lat"], lon - centre["lon"])
    if args.maas_url:
        operator.reporter = MaasReporter(args.maas_url, args.maas_key, operator.information.systemId)

    async def serve() -> None:
        runner, port = await start(operator, args.host, args.port, version=args.tomp_version,
                                   api_keys=args.api_key)
        print(f"{operator.information.name} ({operator.information.systemId}): TOMP {args.tomp_version} subset on "
              f"http://{args.host}:{port}  (Ctrl-C stops it)", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0
