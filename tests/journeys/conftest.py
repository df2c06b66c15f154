"""The demo town as `make run` serves it, for persona journeys: the real composition root, the
demo region loaded by the same loader, the operators' entry points, localstripe for payments, and a
clock stepped by hand on a day in the future (the next Tuesday at 08:00 Tokyo time).

Each journey walks the public API as a client would: sign in with the demo accounts' password,
plan, quote, book, ride, settle; it asserts what that person sees at each step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.demo.load import load_demo
from maas.settings import load_settings
from maas.storage import migrate
from payments.stripe_gateway import StripeGateway
from tests.fakes import SteppedClock
from tests.localstripe import API_KEY, WEBHOOK_SECRET

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = ZoneInfo("Asia/Tokyo")
DEMO_PASSWORD = "yamabuki-demo"
# Demo accounts (fixtures/demo-region/accounts.json).
HARU = "haru.sato@demo.maas.example"  # 85, walking aid and escort, resident
SHIGERU = "shigeru.takahashi@demo.maas.example"  # wheelchair user, resident
MISAKI = "misaki.suzuki@demo.maas.example"  # commuter, no needs
AGENT = "sakura.nakamura@demo.maas.example"  # call-centre agent
ANALYST = "koji.yamada@demo.maas.example"  # the town's analyst
# Places of the demo region.
TOWN_HALL = {"lat": 36.40605, "lon": 138.89480}
STATION = {"lat": 36.3994, "lon": 138.9006}
HOSPITAL = {"lat": 36.412526, "lon": 138.91438}
HINOKISAWA = {"lat": 36.4225, "lon": 138.8745}


def next_weekday(weekday: int, *, after: dt.date | None = None) -> dt.date:
    """The next date with that weekday (Monday 0) strictly after `after` (today by default)."""
    start = after or dt.date.today()
    return start + dt.timedelta(days=(weekday - start.weekday() - 1) % 7 + 1)


TRAVEL_DAY = next_weekday(1)  # a Tuesday in the future


def at(hhmm: str, day: dt.date = TRAVEL_DAY) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def iso(hhmm: str, day: dt.date = TRAVEL_DAY) -> str:
    return at(hhmm, day).isoformat()


@dataclass
class Town:
    client: Any
    clock: SteppedClock
    container: Any
    operator_keys: dict[str, dict[str, str]]  # operator id -> Authorization header
    sessions: dict[str, dict[str, str]] = field(default_factory=dict)

    async def sign_in(self, email: str) -> dict[str, str]:
        """Signs a demo account in over HTTP; returns its Authorization header."""
        if email not in self.sessions:
            response = await self.client.post("/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
            assert response.status == 201, await response.text()
            self.sessions[email] = {"Authorization": f"Bearer {(await response.json())['token']}"}
        return self.sessions[email]


@pytest.fixture
async def town(aiohttp_client, database_url, tmp_path, fast_hasher, localstripe_url) -> Town:
    # As `make run` configures it: the operators' entry points with their stores in this database.
    # The operators' budget is generous: on a fresh clone the van's first quote compiles the
    # pooling kernels (numba), and a journey tests what a person sees, not latency.
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json", operators_config=DEMO / "maas-operators.json",
                             operator_budget_s=30.0)
    clock = SteppedClock(at("08:00"))
    gateway = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url)
    container = build_container(settings, hasher=fast_hasher, clock=clock, payments=gateway, payout_accounts={})
    await migrate.upgrade(container.engine)
    summary = await load_demo(container, DEMO, password=DEMO_PASSWORD)
    keys = {op: {"Authorization": f"Bearer {secret}"} for op, secret in summary.issued_keys.items()}
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    return Town(client=client, clock=clock, container=container, operator_keys=keys)
