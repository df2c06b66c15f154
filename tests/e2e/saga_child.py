"""A booking saga in a process of its own, killed with SIGKILL just before one step's call:
`python -m tests.e2e.saga_child DB_URL DATA_DIR OPERATORS_JSON STEP`, or `run` in a child that
test_booking_kill.py forks from a server process which has imported this module once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint, NewAccount, Principal, Role
from maas.domain.mobility import OfferQuery
from maas.services.bookings import BookingService
from maas.settings import load_settings

TOKYO = dt.timezone(dt.timedelta(hours=9))
HOME, HOSPITAL = GeoPoint(lat=36.4005, lon=138.9), GeoPoint(lat=36.412526, lon=138.91438)


def tomorrow_at_ten() -> dt.datetime:
    return dt.datetime.combine(dt.datetime.now(TOKYO).date() + dt.timedelta(days=1), dt.time(10), TOKYO)


async def main(db_url: str, data_dir: str, operators: str, step: str) -> None:
    settings = load_settings({}, database_url=db_url, data_dir=Path(data_dir), planner_warmup=False,
                             operators_config=Path(operators))
    container = build_container(settings)
    rider = await container.auth.register(NewAccount(email="haru@example.jp", display_name="Haru", role=Role.RIDER,
                                                     password="correct horse battery"),
                                          by=Principal(subject_id="system", role=Role.ADMIN))
    found = await container.offers.search(OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=tomorrow_at_ten()))
    offer = next(o for o in found.offers if o.mode == "taxi")

    async def die(booking_id: str, name: str) -> None:
        if name == step:
            print(f"killed before {name} of {booking_id}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    saga = BookingService(container.uow, container.operator_adapters, container.payments, container.bookings.clock,
                          step_hook=die)
    await saga.book(Principal(subject_id=rider.id, role=Role.RIDER), [offer.id], idempotency_key="kill-test")
    print("the saga ended without reaching the step", flush=True)


def run(db_url: str, data_dir: str, operators: str, step: str, out_path: str) -> None:
    """The saga with its output in `out_path`: the entry point of a multiprocessing child."""
    sys.stdout = open(out_path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - the process dies holding it
    asyncio.run(main(db_url, data_dir, operators, step))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
