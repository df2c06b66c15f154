"""Kill the process in the middle of a booking (SIGKILL, no clean-up), start again, and recovery
finishes the booking: the operator (the reference taxi dispatcher, a process of its own behind
the TOMP-API adapter) holds the booking confirmed, the call the process died in is repeated with
its idempotency key (so an operator that had answered replays its answer), and the journal shows
every step."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from maas.bootstrap import build_container
from maas.domain.mobility import BookingState
from maas.settings import load_settings
from maas.storage import migrate
from tests.e2e import saga_child

REPO = Path(__file__).resolve().parents[2]
SAGA_PROCESSES = multiprocessing.get_context("forkserver")
SAGA_PROCESSES.set_forkserver_preload(["tests.e2e.saga_child"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def taxi_url():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "operators.reference.taxi", "--port", str(port),
                             "--demo-dir", str(REPO / "fixtures" / "demo-region")], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/operator/ping", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the reference taxi did not start on {url}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


# Before a call, after its answer but before it is recorded, and before the final state is saved
# (the taxi confirms when booked, so there is no commit step).
@pytest.mark.parametrize("step", ["reserve:0", "reserve:0:answered", "authorise", "authorise:answered", "confirm"])
async def test_a_killed_saga_is_finished_after_a_restart(tmp_path: Path, taxi_url: str, step: str) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'maas.sqlite3'}"
    operators = tmp_path / "operators.json"
    operators.write_text(json.dumps({"operators": [
        {"id": "yamabuki-kotsu-taxi", "adapter": "tomp", "options": {"base_url": taxi_url}}]}), encoding="utf-8")
    settings = load_settings({}, database_url=db_url, data_dir=tmp_path, planner_warmup=False,
                             operators_config=operators)
    first = build_container(settings)
    await migrate.upgrade(first.engine)
    await first.aclose()
    # A process of its own, forked from a server that imported the saga once (not a fresh interpreter per step).
    out = tmp_path / "child.out"
    child = SAGA_PROCESSES.Process(target=saga_child.run, args=(db_url, str(tmp_path), str(operators), step, str(out)))
    child.start()
    await asyncio.to_thread(child.join, 120)
    output = out.read_text(encoding="utf-8") if out.exists() else ""
    assert child.exitcode == -signal.SIGKILL, output  # killed, not finished
    assert f"killed before {step}" in output

    again = build_container(settings)  # a new process's container on the same database
    try:
        [recovered] = await again.bookings.recover()
        assert recovered.state.value == "CONFIRMED", recovered.reason
        [leg] = recovered.legs
        at_operator = await again.operator_adapters["yamabuki-kotsu-taxi"].get_booking(leg.booking.id)
        assert at_operator.state is BookingState.CONFIRMED and at_operator.offer_id == leg.offer_id
        async with again.uow() as uow:
            journal = [(s.name, s.status.value) for s in await uow.bookings.steps(recovered.id)]
        assert journal[-1] == ("authorise", "done")
        if step != "confirm":  # the step the process died in was taken again, with the same key
            name = step.removesuffix(":answered")
            assert journal.count((name, "started")) == 2 and journal.count((name, "done")) == 1
        # Asking again with the same key books nothing new: the operator keeps one booking.
        assert await again.bookings.recover() == []
    finally:
        await again.aclose()
