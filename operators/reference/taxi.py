"""The reference taxi dispatcher: the demo region's taxi company (operators.taxi) as a TOMP service.

    python -m operators.reference.taxi --port 8701 --demo-dir fixtures/demo-region
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from maas.domain.ports import Clock
from operators.reference.app import ReferenceOperator
from operators.reference.serve import SystemClock, run
from operators.taxi import from_demo_region
from operators.taxi.demo import taxi_entry
from operators.tomp import wire


def taxi_operator(demo_dir: Path, clock: Clock, *, offer_validity_s: int = 300,
                  delay_s: float = 0.0, **options: Any) -> ReferenceOperator:
    """`options` go to the taxi adapter (`confirmation_required`, `hold_s`: a dispatcher who
    accepts each job by hand, within its hold)."""
    entry = taxi_entry(demo_dir)
    adapter = from_demo_region(demo_dir, clock, offer_validity_s=offer_validity_s, **options)
    info = wire.SystemInformation(systemId=adapter.operator_id, language=["ja", "en"],
                                  name=entry.get("name_en") or entry["name"], timezone="Asia/Tokyo",
                                  typeOfSystem="FREE_FLOATING", operator=entry.get("operated_by"),
                                  phoneNumber=entry.get("phone"), productType="SHARING",
                                  assetClasses=["TAXI"])
    return ReferenceOperator(adapter, info, clock, delay_s=delay_s,
                             commits_by_hand=bool(options.get("confirmation_required")))


def _build(args: argparse.Namespace) -> ReferenceOperator:
    return taxi_operator(args.demo_dir, SystemClock(), offer_validity_s=args.offer_validity_s,
                         delay_s=args.delay_s)


def main(argv: Sequence[str] | None = None) -> int:
    return run(_build, "The reference taxi dispatcher (TOMP-API 1.6 subset)", argv)


if __name__ == "__main__":
    sys.exit(main())
