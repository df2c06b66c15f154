"""The `maas` command line: serve, migrate, import feeds, load the demo region, manage accounts and keys."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from maas import operator_check, ticket_check
from maas.bootstrap import Container, build_container
from maas.domain.accounts import NewAccount, Role
from maas.domain.errors import DomainError
from maas.logconfig import configure_logging
from maas.plugins import OperatorConfigError
from maas.settings import Settings, SettingsError, load_settings
from maas.storage import migrate
from maas.town_export import ExportFailed, export_town

log = logging.getLogger("maas.cli")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"maas: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(args.run(settings, args) or 0)
    except DomainError as exc:
        details = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
        print(f"maas: {exc.message}{details}", file=sys.stderr)
        return 1
    except OperatorConfigError as exc:
        print(f"maas: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maas", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    retention = sub.add_parser("retention", help="the retention schedule").add_subparsers(required=True,
                                                                                          metavar="ACTION")
    retention.add_parser("run", help="coarsen old ride places, delete old refusals and audit entries now"
                         ).set_defaults(run=_retention_run)
    db = sub.add_parser("db", help="database migrations").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help="migrate to the newest revision").set_defaults(run=_db_upgrade)
    down = db.add_parser("downgrade", help="migrate back to REVISION ('base' empties the database)")
    down.add_argument("revision")
    down.set_defaults(run=_db_downgrade)
    db.add_parser("current", help="print the current revision").set_defaults(run=_db_current)

    imp = sub.add_parser("import-gtfs", help="import GTFS / GTFS-JP feeds (zip files or folders)")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--strict", action="store_true", help="reject a feed with any error instead of skipping rows")
    imp.set_defaults(run=_import_gtfs)

    demo = sub.add_parser("demo", help="the demo region").add_subparsers(required=True, metavar="ACTION")
    demo.add_parser("load", help="load the demo region into the database").set_defaults(run=_demo_load)
    gen = demo.add_parser("generate", help="write the demo region's files")
    gen.add_argument("out", nargs="?", type=Path)
    gen.set_defaults(run=_demo_generate)

    acc = sub.add_parser("accounts", help="accounts").add_subparsers(required=True, metavar="ACTION")
    create = acc.add_parser("create", help="open an account (password read from stdin or prompted)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=[r.value for r in Role if r is not Role.OPERATOR], default="rider")
    create.set_defaults(run=_accounts_create)

    ops = sub.add_parser("operators", help="operators").add_subparsers(required=True, metavar="ACTION")
    key = ops.add_parser("issue-key", help="issue an API key for an operator (printed once)")
    key.add_argument("operator_id")
    key.add_argument("--label", default="cli")
    key.set_defaults(run=_issue_key)
    check = ops.add_parser("check", help="run the conformance kit against an operator's TOMP-API endpoint "
                                         "(docs/tomp.md); needs no database")
    check.add_argument("url", help="the operator's TOMP base URL, e.g. http://127.0.0.1:8701")
    check.add_argument("--timeout-s", type=float, default=5.0, help="time limit of each request (default 5)")
    check.add_argument("--max-expiry-wait-s", type=float, default=0.0,
                       help="wait up to this long for an offer to expire (default 0: skip that check)")
    check.add_argument("--area", metavar="LAT,LON[,RADIUS_M]",
                       help="the operator's service area: probe trips are planned inside it (radius default "
                            "1000 m); without it, a ride in the demo town")
    check.add_argument("--at", metavar="TIME", help="departure of the probe trips, ISO 8601 with its offset "
                                                     "(default: in 15 minutes)")
    check.add_argument("--dry-run", action="store_true",
                       help="search and read only, checking every message against the spec: nothing is booked")
    check.add_argument("--version", choices=("1.6", "2.0"), default="1.6", dest="tomp_version",
                       help="the TOMP-API version the operator speaks (default 1.6)")
    check.add_argument("--api-key", help="sent as X-API-Key (the spec's ApiKeyAuth); with --version 2.0 as "
                                         "the bearer token")
    check.add_argument("--token-url", help="OAuth2 client credentials: the operator's token endpoint "
                                           "(with --client-id and --client-secret)")
    check.add_argument("--client-id")
    check.add_argument("--client-secret")
    check.add_argument("--spec", metavar="PATH", help="the TOMP-API 1.6.1 OpenAPI document, or the directory of "
                                                     "the 2.0 modules (default: $MAAS_CORPUS/tomp-api/"
                                                     "TOMP-API-1.6.1.yaml or tomp-api/v2.0 when present)")
    check.set_defaults(run=lambda _settings, args: operator_check.run(args))

    tickets = sub.add_parser("tickets", help="tickets").add_subparsers(required=True, metavar="ACTION")
    rotate = tickets.add_parser("rotate-key", help="add a new ticket signing key (in the database, encrypted with "
                                                   "MAAS_SECRET_KEY); it signs from --activate-in-s on, and the old "
                                                   "key stays published until its tickets expire")
    rotate.add_argument("--activate-in-s", type=int, default=120,
                        help="seconds until it signs (default 120: every API process has loaded it by then)")
    rotate.set_defaults(run=_rotate_ticket_key)
    tickets.add_parser("keys", help="list the ticket signing keys published now").set_defaults(run=_ticket_keys)
    ticket_check.add_arguments(tickets.add_parser(
        "check", help="check a rider's ticket offline with the published keys and revocation list (a driver's "
                      "laptop; needs no database): exit 0 valid, 1 refused (invalid, expired, revoked), 2 unusable "
                      "keys or list")).set_defaults(run=lambda _settings, args: ticket_check.run(args))

    export = sub.add_parser("export", help="publish the town's community buses (GTFS-JP) and on-demand vans "
                                           "(GTFS-Flex), each checked by reading it back")
    export.add_argument("--agency", action="append", help="agency_id of the town's buses (repeatable; default "
                                                          "yamabuki_town, the demo region's)")
    export.add_argument("--out", required=True, type=Path, help="folder for gtfs-jp/<feed>/ and gtfs-flex/<operator>/")
    export.set_defaults(run=_export)

    analyse = sub.add_parser("analyse", help="municipal analyses").add_subparsers(required=True, metavar="KIND")
    access = analyse.add_parser("accessibility", help="who reaches which places within T minutes by transit and "
                                                      "walking; writes cells.csv, cells.geojson and report.html")
    access.add_argument("--date", required=True, type=dt.date.fromisoformat, help="service date, e.g. 2026-11-24")
    access.add_argument("--start", required=True, type=dt.time.fromisoformat, help="first departure, e.g. 08:00")
    access.add_argument("--window-min", type=int, default=60, help="departures over this many minutes (default 60)")
    access.add_argument("--population", type=Path, help="population field, CSV or GeoJSON (default: the region's)")
    access.add_argument("--categories", help="place categories, e.g. hospital,supermarket")
    access.add_argument("--destinations", type=Path, help="GeoJSON of destination points with a 'category' property "
                                                          "(instead of the places in the database)")
    access.add_argument("--percentiles", default="50", help="comma-separated (default 50)")
    access.add_argument("--thresholds", default="15,30,45,60", help="minutes, comma-separated (default 15,30,45,60)")
    access.add_argument("--max-walk-m", type=int, help="each walk (default: the elderly profile's 500 m)")
    access.add_argument("--walk-speed", type=float, help="m/s (default: the elderly profile's 0.8)")
    access.add_argument("--modes", default="", help="door-to-door rides besides walking and transit, comma-separated: "
                                                    "on_demand, taxi (default none)")
    access.add_argument("--out", required=True, type=Path, help="folder for the results")
    access.set_defaults(run=_analyse_accessibility)

    scenario = analyse.add_parser("scenario", help="accessibility before and after edits to the network (a JSON list "
                                                   "of edits), with route and cost changes; writes the same files")
    scenario.add_argument("--edits", required=True, type=Path, help="JSON file: a list of edits, or an object with "
                                                                    "'edits' and optionally 'cost_model'")
    scenario.add_argument("--date", required=True, type=dt.date.fromisoformat)
    scenario.add_argument("--start", required=True, type=dt.time.fromisoformat)
    scenario.add_argument("--window-min", type=int, default=60)
    scenario.add_argument("--population", type=Path, help="population field, CSV or GeoJSON (default: the region's)")
    scenario.add_argument("--categories", required=True, help="place categories, e.g. hospital")
    scenario.add_argument("--percentiles", default="50")
    scenario.add_argument("--thresholds", default="15,30,45,60")
    scenario.add_argument("--max-walk-m", type=int, help="each walk (default: the elderly profile's 500 m)")
    scenario.add_argument("--walk-speed", type=float, help="m/s (default: the elderly profile's 0.8)")
    scenario.add_argument("--modes", default="", help="on_demand, taxi (default none)")
    scenario.add_argument("--cost-per-hour", type=int, help="yen per vehicle-hour (a cost model for the routes)")
    scenario.add_argument("--cost-per-km", type=int, default=0)
    scenario.add_argument("--cost-per-trip", type=int, default=0)
    scenario.add_argument("--out", required=True, type=Path)
    scenario.set_defaults(run=_analyse_scenario)

    routes = analyse.add_parser("routes", help="per route trips, hours, km, boardings, revenue, cost and subsidy, and "
                                               "the on-demand service's recorded rides; writes routes.csv and report.html")
    routes.add_argument("--date", required=True, type=dt.date.fromisoformat)
    routes.add_argument("--end-date", type=dt.date.fromisoformat, help="inclusive, at most 31 days (default: --date)")
    routes.add_argument("--cost-per-hour", type=int, default=0, help="yen per vehicle-hour")
    routes.add_argument("--cost-per-km", type=int, default=0)
    routes.add_argument("--cost-per-trip", type=int, default=0)
    routes.add_argument("--on-demand-operator", default="noriai", help="its operator id; 'none' to leave it out")
    routes.add_argument("--out", required=True, type=Path)
    routes.set_defaults(run=_analyse_routes)
    return parser


def _with_container(settings: Settings, work: Callable[[Container], Awaitable[int]], *, migrated: bool = True) -> int:
    """Run `work` on a fresh container; most commands first insist the database is at the newest revision."""

    async def run() -> int:
        container = build_container(settings)
        try:
            if migrated:
                await _require_migrated(container)
            return await work(container)
        finally:
            await container.aclose()

    return asyncio.run(run())


async def _require_migrated(container: Container) -> None:
    current = await migrate.current_revision(container.engine)
    if current != migrate.head_revision():
        raise SystemExit(f"maas: the database is at revision {current or 'none'}; run `maas db upgrade` first")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from maas.api.app import run_app

    host, port = args.host or settings.host, args.port or settings.port
    if settings.is_default_secret and not settings.dev_mode:
        raise SystemExit("maas: MAAS_SECRET_KEY is the development secret; set a secret of your own, or "
                         "MAAS_DEV_MODE=true to serve for development (make run does)")

    async def check(container: Container) -> int:
        return 0

    _with_container(settings, check)
    if settings.is_default_secret:
        log.warning("MAAS_DEV_MODE: serving with the development secret; never do this in production")
    base = f"http://{host}:{port}"
    print(f"MaaS API on {base}\n  {base}/health\n  {base}/docs\n  {base}/openapi.json\n(Ctrl-C stops it)",
          flush=True)
    run_app(settings, host=host, port=port)
    return 0


def _retention_run(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        report = await container.retention.run()
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
        return 0

    return _with_container(settings, work)


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        await migrate.upgrade(container.engine)
        print(f"database at revision {await migrate.current_revision(container.engine)}")
        return 0

    return _with_container(settings, work, migrated=False)


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        await migrate.downgrade(container.engine, args.revision)
        print(f"database at revision {await migrate.current_revision(container.engine) or 'base'}")
        return 0

    return _with_container(settings, work, migrated=False)


def _db_current(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        current = await migrate.current_revision(container.engine)
        print(f"{current or 'base'} (head is {migrate.head_revision()})")
        return 0

    return _with_container(settings, work, migrated=False)


def _import_gtfs(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        failed = 0
        with tqdm(total=len(args.paths) * 2, unit="step", desc="importing", file=sys.stderr) as bar:
            for path in args.paths:
                bar.set_postfix_str(path.name)
                try:
                    outcome = await container.feeds.import_feed(
                        path, strict=args.strict, progress=lambda stage: bar.update(1) if stage != "reading" else None)
                except DomainError as exc:
                    failed += 1
                    bar.update(2 - (bar.n % 2))
                    tqdm.write(f"REJECTED {path}: {exc.message}", file=sys.stderr)
                    continue
                feed = outcome.feed
                verb = "unchanged" if outcome.unchanged else "imported"
                tqdm.write(f"{verb} {feed.name} ({feed.id}): {feed.stop_count} stops, {feed.route_count} routes, "
                           f"{feed.trip_count} trips; {feed.error_count} errors, {feed.warning_count} warnings")
                if outcome.unchanged:
                    bar.update(1)
        return 1 if failed else 0

    return _with_container(settings, work)


def _demo_load(settings: Settings, args: argparse.Namespace) -> int:
    from maas.demo.load import load_demo

    async def work(container: Container) -> int:
        summary = await load_demo(container, settings.demo_dir,
                                  password=settings.demo_password.get_secret_value())
        print(f"demo region {summary.region_id}: {len(summary.operators_added)} operators and "
              f"{len(summary.accounts_added)} accounts added, feed {summary.feed_id} "
              f"{'unchanged' if summary.feed_unchanged else 'imported'}, {summary.places} places")
        for operator_id, secret in summary.issued_keys.items():
            print(f"  API key for {operator_id} (shown once): {secret}")
        print("  demo accounts sign in with the password in MAAS_DEMO_PASSWORD (default: yamabuki-demo)")
        return 0

    return _with_container(settings, work)


def _demo_generate(settings: Settings, args: argparse.Namespace) -> int:
    from maas.demo.generate import generate

    written = generate(args.out or settings.demo_dir)
    print(f"wrote {len(written)} files")
    return 0


def _accounts_create(settings: Settings, args: argparse.Namespace) -> int:
    from maas.demo.load import SYSTEM  # the CLI operator acts as an admin

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")

    async def work(container: Container) -> int:
        new = NewAccount(email=args.email, display_name=args.name, role=Role(args.role), password=password)
        account = await container.auth.register(new, by=SYSTEM)
        print(f"account {account.id} ({account.role.value}) for {account.email}")
        return 0

    return _with_container(settings, work)


def _issue_key(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        issued = await container.auth.issue_api_key(args.operator_id, args.label)
        print(f"API key {issued.key.id} for {args.operator_id} (shown once):\n{issued.secret}")
        return 0

    return _with_container(settings, work)


def _rotate_ticket_key(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        if container.ticket_keys is None or args.activate_in_s < 0:
            print("maas: rotate-key needs the database and --activate-in-s >= 0", file=sys.stderr)
            return 2
        await container.ticket_keys.refresh()  # the first key is stored before a second is added
        key_id = await container.ticket_keys.rotate(dt.timedelta(seconds=args.activate_in_s))
        print(f"ticket signing key {key_id} added; it signs from {args.activate_in_s} s from now")
        return 0

    return _with_container(settings, work)


def _ticket_keys(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        if container.ticket_keys is not None:
            current = await container.ticket_keys.refresh()
            print(f"signing now: {current}")
        for key_id in sorted(container.tickets.public_keys()):
            print(key_id)
        return 0

    return _with_container(settings, work)


def _modes(text: str) -> list[str]:
    return [mode.strip() for mode in text.split(",") if mode.strip()]


def _analyse_accessibility(settings: Settings, args: argparse.Namespace) -> int:
    from maas.demo.load import SYSTEM  # the CLI operator acts as an admin
    from maas.domain.analyses import AnalysisKind, AnalysisState

    if (args.categories is None) == (args.destinations is None):
        print("maas: give --categories or --destinations", file=sys.stderr)
        return 2
    origins: dict[str, object] = {"type": "population"}
    if args.population is not None:
        origins.update(path=str(args.population.resolve()),
                       format="geojson" if args.population.suffix.lower() in (".geojson", ".json") else "csv")
    if args.destinations is not None:
        features = json.loads(args.destinations.read_text(encoding="utf-8")).get("features", [])
        destinations: dict[str, object] = {"type": "points", "points": [
            {"id": str(f.get("id") or n), "lat": f["geometry"]["coordinates"][1], "lon": f["geometry"]["coordinates"][0],
             "category": f["properties"]["category"], "name": f["properties"].get("name", "")}
            for n, f in enumerate(features)]}
    else:
        destinations = {"type": "places", "categories": [c.strip() for c in args.categories.split(",") if c.strip()]}
    params = {"date": args.date.isoformat(), "start": args.start.isoformat(), "window_min": args.window_min,
              "percentiles": [int(p) for p in args.percentiles.split(",")],
              "thresholds_min": [int(t) for t in args.thresholds.split(",")], **_walking(args),
              "origins": origins, "destinations": destinations, "modes": _modes(args.modes)}

    async def work(container: Container) -> int:
        service = container.analyses
        with tqdm(total=100, unit="%", desc="accessibility", file=sys.stderr) as bar:
            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(100 * fraction) - bar.n)

            analysis = await service.run(SYSTEM, AnalysisKind.ACCESSIBILITY, params, on_progress=progress)
            if analysis.state is AnalysisState.DONE:
                bar.update(100 - bar.n)
        if analysis.state is not AnalysisState.DONE:
            print(f"maas: analysis {analysis.id} failed: {analysis.error}", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "cells.csv").write_text(await service.cells_csv(SYSTEM, analysis.id), encoding="utf-8")
        (args.out / "cells.geojson").write_text(json.dumps(await service.cells_geojson(SYSTEM, analysis.id),
                                                           ensure_ascii=False), encoding="utf-8")
        (args.out / "report.html").write_text(await service.report_html(SYSTEM, analysis.id), encoding="utf-8")
        (args.out / "map.png").write_bytes(await service.map_png(SYSTEM, analysis.id))
        (args.out / "summary.json").write_text(json.dumps(analysis.summary, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
        for entry in (analysis.summary or {}).get("categories", []):
            shares = ", ".join(f"{w['minutes']} min {100 * (w['share_population'] or 0):.1f}%"
                               f" (65+ {100 * (w['share_population_65_plus'] or 0):.1f}%)" for w in entry["within"])
            print(f"{entry['category']} p{entry['percentile']}: {shares}")
        print(f"analysis {analysis.id}: wrote cells.csv, cells.geojson, report.html, map.png, summary.json to {args.out}")
        return 0

    return _with_container(settings, work)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(container: Container) -> int:
        if container.network is None:
            print("maas: the configured engine keeps no feed set to export", file=sys.stderr)
            return 1
        try:
            summary = await asyncio.to_thread(export_town, container.network, container.operator_adapters, args.out,
                                              args.agency or ["yamabuki_town"])
        except (ExportFailed, ValueError) as exc:
            print(f"maas: export failed: {exc}", file=sys.stderr)
            return 1
        for kind, feeds in summary.items():
            for name, feed in feeds.items():
                print(f"{kind} {name}: {feed['folder']} ({sum(feed['rows'].values())} rows, "
                      f"{len(feed['findings'])} findings on reading it back)")
        return 0

    return _with_container(settings, work, migrated=False)


def _walking(args: argparse.Namespace) -> dict[str, float]:
    """Only what the analyst gave: the analyses default to the planner's elderly profile."""
    given = {"max_walk_m": args.max_walk_m, "walk_speed_mps": args.walk_speed}
    return {k: v for k, v in given.items() if v is not None}


def _cost_model(args: argparse.Namespace) -> dict[str, int]:
    return {"per_vehicle_hour_yen": args.cost_per_hour or 0, "per_km_yen": args.cost_per_km,
            "per_trip_yen": args.cost_per_trip}


def _analyse_scenario(settings: Settings, args: argparse.Namespace) -> int:
    try:
        document = json.loads(args.edits.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"maas: cannot read the edits: {exc}", file=sys.stderr)
        return 2
    edits = document if isinstance(document, list) else document.get("edits")
    origins: dict[str, object] = {"type": "population"}
    if args.population is not None:
        origins.update(path=str(args.population.resolve()),
                       format="geojson" if args.population.suffix.lower() in (".geojson", ".json") else "csv")
    params: dict[str, object] = {
        "date": args.date.isoformat(), "start": args.start.isoformat(), "window_min": args.window_min,
        "percentiles": [int(p) for p in args.percentiles.split(",")],
        "thresholds_min": [int(t) for t in args.thresholds.split(",")], **_walking(args),
        "origins": origins, "edits": edits, "modes": _modes(args.modes),
        "destinations": {"type": "places", "categories": [c.strip() for c in args.categories.split(",") if c.strip()]}}
    if args.cost_per_hour is not None or args.cost_per_km or args.cost_per_trip:
        params["cost_model"] = _cost_model(args)
    elif isinstance(document, dict) and document.get("cost_model") is not None:
        params["cost_model"] = document["cost_model"]

    def lines(summary: dict) -> list[str]:
        out = [f"{a['category']} p{a['percentile']} within {a['minutes']} min: {a['cells_gained']} cells gain "
               f"({a['residents_gained']:g} residents, {a['residents_65_plus_gained']:g} aged 65+), "
               f"{a['cells_lost']} lose ({a['residents_lost']:g}, {a['residents_65_plus_lost']:g} aged 65+)"
               for a in summary.get("access", [])]
        money = summary.get("economics")
        if money:
            out.append(f"operating cost {money['cost_before_yen']} -> {money['cost_after_yen']} yen "
                       f"({money['cost_change_yen']:+d})")
        return out

    return _with_container(settings, lambda c: _run_and_write(c, "scenario", params, args.out, "cells", lines))


def _analyse_routes(settings: Settings, args: argparse.Namespace) -> int:
    params: dict[str, object] = {"date": args.date.isoformat(), "cost_model": _cost_model(args),
                                 "on_demand_operator_id": None if args.on_demand_operator == "none"
                                 else args.on_demand_operator}
    if args.end_date is not None:
        params["end_date"] = args.end_date.isoformat()

    def lines(summary: dict) -> list[str]:
        return [f"{r['route_id']} {r['name']}: {r['trips']} trips, {r['service_hours']:g} h, {r['service_km']:g} km, "
                f"{r['boardings']} boardings, cost {r['operating_cost_yen']} yen, revenue {r['revenue_yen']} yen"
                for r in summary.get("routes", []) if r["trips"]]

    return _with_container(settings, lambda c: _run_and_write(c, "route_performance", params, args.out, "routes", lines))


async def _run_and_write(container: Container, kind: str, params: dict, out: Path, stem: str,
                         lines: Callable[[dict], list[str]]) -> int:
    """Run an analysis now with a progress bar and write <stem>.csv, <stem>.geojson, report.html, map.png and
    summary.json, as the API serves them."""
    from maas.demo.load import SYSTEM  # the CLI operator acts as an admin
    from maas.domain.analyses import AnalysisKind, AnalysisState

    service = container.analyses
    try:
        with tqdm(total=100, unit="%", desc=kind, file=sys.stderr) as bar:
            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(100 * fraction) - bar.n)

            analysis = await service.run(SYSTEM, AnalysisKind(kind), params, on_progress=progress)
            if analysis.state is AnalysisState.DONE:
                bar.update(100 - bar.n)
    except DomainError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        print(f"maas: {exc.message}" + (f" ({details})" if details else ""), file=sys.stderr)
        return 2
    if analysis.state is not AnalysisState.DONE:
        print(f"maas: analysis {analysis.id} failed: {analysis.error}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.csv").write_text(await service.cells_csv(SYSTEM, analysis.id), encoding="utf-8")
    (out / f"{stem}.geojson").write_text(json.dumps(await service.cells_geojson(SYSTEM, analysis.id),
                                                    ensure_ascii=False), encoding="utf-8")
    (out / "report.html").write_text(await service.report_html(SYSTEM, analysis.id), encoding="utf-8")
    (out / "map.png").write_bytes(await service.map_png(SYSTEM, analysis.id))
    (out / "summary.json").write_text(json.dumps(analysis.summary, ensure_ascii=False, indent=1), encoding="utf-8")
    for line in lines(analysis.summary or {}):
        print(line)
    print(f"analysis {analysis.id}: wrote {stem}.csv, {stem}.geojson, report.html, map.png, summary.json to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
