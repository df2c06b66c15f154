"""Publishing what the town runs: its community buses as GTFS-JP and its vans as GTFS-Flex (`maas export`).

The buses are the routes of the given agencies (the town's, e.g. `yamabuki_town`) in the planner's feeds,
written with `routing.gtfs.writer` into `gtfs-jp/<feed key>/`; the vans are every enabled on-demand
operator's service as the platform runs it (zones, hours, booking rules), written with
`routing.flex.writer` into `gtfs-flex/<operator id>/`. Each export is then read back with the project's
own readers (`read_feed`, `read_flex`, strict); a finding of severity error fails the export.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from routing.flex import read_flex
from routing.flex.writer import write_flex
from routing.gtfs import read_feed
from routing.gtfs.writer import write_feed
from routing.plan import Network


class ExportFailed(RuntimeError):
    """What was written does not read back cleanly."""


def export_town(network: Callable[[], Network], adapters: Mapping[str, object], out: Path,
                agency_ids: Sequence[str]) -> dict[str, Any]:
    """Write and re-read the town's feeds; a summary (files, rows, findings) per feed written."""
    net = network()
    wanted = set(agency_ids)
    summary: dict[str, Any] = {"gtfs_jp": {}, "gtfs_flex": {}}
    found: set[str] = set()
    for source, key in zip(net.sources, net.keys):
        loaded = read_feed(source.path)
        agencies = set(loaded.feed.agency["agency_id"].astype(str)) & wanted
        if not agencies:
            continue
        found |= agencies
        folder = out / "gtfs-jp" / key
        rows = write_feed(loaded, folder, agency_ids=sorted(agencies))
        back = read_feed(folder)
        if back.errors:
            raise ExportFailed(f"{folder} does not read back: {back.errors[0]}")
        summary["gtfs_jp"][key] = {"folder": str(folder), "agencies": sorted(agencies), "rows": rows,
                                   "findings": [str(f) for f in back.findings]}
    if wanted - found:
        raise ExportFailed(f"no feed has agency {sorted(wanted - found)}")
    for operator_id, adapter in sorted(adapters.items()):
        publish = getattr(adapter, "published_flex", None)
        if publish is None:
            continue
        feed, agency = publish()
        folder = out / "gtfs-flex" / operator_id
        rows = write_flex(feed, folder, agency)
        back = read_flex(folder)
        if back.errors:
            raise ExportFailed(f"{folder} does not read back: {back.errors[0]}")
        summary["gtfs_flex"][operator_id] = {"folder": str(folder), "rows": rows,
                                             "findings": [str(f) for f in back.findings]}
    return summary
