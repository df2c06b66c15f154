"""The bike-share adapter's entry point (`maas.operators` group, name `gbfs-bikeshare`).

Options: `gbfs` (required: path of gbfs.json relative to the configuration file, or its
http(s) URL), `language`, `max_walk_m` (500), `offer_validity_s` (120), `max_age_s` (300: the
oldest real-time file still taken as live), `hold_s` (900: how long a reservation is held),
`walk_speed_mps` (1.0), `reservation_horizon_s` (0: only trips leaving within `hold_s`; else how
far ahead trips are sold, each reservation holding its vehicle from the time asked),
`min_refresh_s` (10), `timeout_s` (10, over HTTP), `strict` (false:
records that fail to parse are skipped and logged; true: the whole feed is refused),
`schema_dir` (validate against the official GBFS schemas in this folder) and `pricing_plan`
(one plan in GBFS `system_pricing_plans` form, used when the feed publishes none for a vehicle).
Bookings and the vehicles they hold are kept in the `vehicle_holds` store the host passes in the
context's extras (the database, shared by every process); without one they live in memory and a
warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from maas.domain.ports import AdapterContext
from operators.bikeshare.adapter import SharedVehicleAdapter
from operators.bikeshare.live import LiveFeed
from operators.bikeshare.profile import BIKES_AND_SCOOTERS, FleetProfile
from operators.bikeshare.sources import source_for
from operators.gbfs import FreshnessPolicy, PricingPlan, ReadOptions, parse_pricing_plans

log = logging.getLogger(__name__)

ADAPTER_OPTIONS = ("max_walk_m", "offer_validity_s", "hold_s", "walk_speed_mps", "reservation_horizon_s")
FEED_OPTIONS = ("gbfs", "language", "max_age_s", "min_refresh_s", "timeout_s", "strict", "schema_dir",
                "pricing_plan")


def parse_plan(document: object) -> PricingPlan:
    """One plan written as in GBFS `system_pricing_plans` (v2.3 or v3.0 names)."""
    plans, findings = parse_pricing_plans({"data": {"plans": [document]}})
    if findings or not plans:
        raise ValueError(f"pricing_plan: {findings[0].message if findings else 'not a plan'}")
    return plans[0]


def build_adapter(context: AdapterContext, profile: FleetProfile, kind: str) -> SharedVehicleAdapter:
    options: Mapping[str, Any] = dict(context.options)
    unknown = set(options) - {*ADAPTER_OPTIONS, *FEED_OPTIONS}
    if unknown:
        raise ValueError(f"unknown {kind} options: {', '.join(sorted(unknown))}")
    if not isinstance(options.get("gbfs"), str) or not options["gbfs"]:
        raise ValueError(f"{kind} needs the option `gbfs` (path or URL of gbfs.json)")
    language = options.get("language")
    source = source_for(options["gbfs"], context.base_dir, language=language, clock=context.clock,
                        timeout_s=float(options.get("timeout_s", 10.0)))
    schema_dir = options.get("schema_dir")
    read = ReadOptions(strict=bool(options.get("strict", False)),
                       schema_dir=None if schema_dir is None else (context.base_dir / schema_dir).resolve(),
                       preferred_language=language,
                       policy=_policy(options))
    feed = LiveFeed(source, read, context.clock, name=context.operator_id,
                    min_refresh_s=float(options.get("min_refresh_s", 10.0)))
    plan = options.get("pricing_plan")
    holds = context.extras.get("vehicle_holds")
    if holds is None:
        log.warning("%s: no vehicle-holds store given; %s bookings are kept in this process's memory only",
                    context.operator_id, kind)
    return SharedVehicleAdapter(context.operator_id, feed, context.clock, profile=profile, holds=holds,
                                fallback_plan=None if plan is None else parse_plan(plan),
                                **{k: options[k] for k in ADAPTER_OPTIONS if k in options})


def _policy(options: Mapping[str, Any]) -> FreshnessPolicy:
    """max_age_s bounds the real-time files (status, vehicles); static files (stations, types,
    plans) may be older, but never less old than that."""
    realtime = int(options.get("max_age_s", 300))
    default = FreshnessPolicy()
    return FreshnessPolicy(realtime_max_age_s=realtime,
                           static_max_age_s=max(default.static_max_age_s, realtime))


def create(context: AdapterContext) -> SharedVehicleAdapter:
    return build_adapter(context, BIKES_AND_SCOOTERS, "gbfs-bikeshare")
