"""The on-demand adapter's entry point (`maas.operators` group, name `ondemand`).

Options: `config` (the service's JSON settings, relative to the configuration file; its `flex`
path is relative to that JSON). Rides are kept in the `ride_store`, quotes in the `quote_store`
the host passes in the context's extras (the database); without them they live in memory and a
warning says so. The vans drive on the host's street router (extras `street_router`) when it gives one.
"""

from __future__ import annotations

import logging
from pathlib import Path

from maas.domain.ports import AdapterContext
from operators.ondemand.adapter import OnDemandAdapter
from operators.ondemand.area import ServiceArea
from operators.ondemand.config import load_config
from operators.ondemand.memory import MemoryRideStore
from routing.flex import read_flex

log = logging.getLogger(__name__)


def build(config_path: Path, clock, store=None, streets=None, quotes=None) -> OnDemandAdapter:
    config = load_config(config_path)
    feed = read_flex(config_path.parent / config.flex)
    return OnDemandAdapter(config, ServiceArea(feed, config.zone), store or MemoryRideStore(), clock,
                           streets=streets, quotes=quotes)


def create(context: AdapterContext) -> OnDemandAdapter:
    options = dict(context.options)
    unknown = set(options) - {"config"}
    if unknown or "config" not in options:
        raise ValueError("on-demand options: exactly `config` (the service's JSON file) is expected")
    store = context.extras.get("ride_store")
    if store is None:
        log.warning("%s: no ride store given; on-demand rides are kept in memory only", context.operator_id)
    adapter = build((context.base_dir / str(options["config"])).resolve(), context.clock, store,
                    context.extras.get("street_router"), context.extras.get("quote_store"))
    if adapter.operator_id != context.operator_id:
        raise ValueError(f"{options['config']} describes on-demand operator {adapter.operator_id}, "
                         f"not {context.operator_id}")
    return adapter
