"""The reference bike-share operator: the demo region's docked bikes (GBFS snapshot) as a TOMP service.

    python -m operators.reference.bikeshare --port 8702 --demo-dir fixtures/demo-region
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from maas.domain.ports import Clock
from operators.reference.app import ReferenceOperator
from operators.reference.bikes import from_demo_region
from operators.reference.serve import SystemClock, run
from operators.tomp import wire


def bikeshare_operator(demo_dir: Path, clock: Clock, *, offer_validity_s: int = 300, hold_s: int = 600,
                       delay_s: float = 0.0) -> ReferenceOperator:
    adapter = from_demo_region(demo_dir, clock, offer_validity_s=offer_validity_s, hold_s=hold_s)
    system = json.loads((demo_dir / "gbfs" / "system_information.json").read_text(encoding="utf-8"))["data"]
    info = wire.SystemInformation(systemId=adapter.operator_id, language=[system.get("language", "ja")],
                                  name=system["name"], timezone=system.get("timezone", "Asia/Tokyo"),
                                  typeOfSystem="STATION_BASED", operator=system.get("operator"),
                                  phoneNumber=system.get("phone_number"), productType="SHARING",
                                  assetClasses=["BICYCLE"])
    return ReferenceOperator(adapter, info, clock, delay_s=delay_s)


def _build(args: argparse.Namespace) -> ReferenceOperator:
    return bikeshare_operator(args.demo_dir, SystemClock(), offer_validity_s=args.offer_validity_s,
                              delay_s=args.delay_s)


def main(argv: Sequence[str] | None = None) -> int:
    return run(_build, "The reference bike-share operator (TOMP-API 1.6 subset)", argv)


if __name__ == "__main__":
    sys.exit(main())
