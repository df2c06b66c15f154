"""The real application with the real composition root, served by aiohttp's test server; and the
worlds several modules test in: `api` (the booking tests' demo operators and shuttle), `places_town`
(the analyses tests' places and accounts), `stripe_town` with `stripe_app` (the whole trip paid
through localstripe) and `settled_town` (the settlement tests'). A module's own fixture of the same
name takes precedence, as pytest has it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import stripe

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Role
from maas.domain.places import Place, PlaceCategory
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from maas.storage import migrate
from payments.on_board import OnBoardGateway
from payments.stripe_gateway import StripeGateway
from tests.e2e import stripe_town as whole_trip
from tests.e2e.demo_bookings import DEMO, NOW, PASSWORD, SYSTEM, Shuttle
from tests.fakes import SteppedClock, verify_all_claims
from tests.localstripe import API_KEY, WEBHOOK_SECRET


@pytest.fixture
async def client(settings, container, aiohttp_client):
    # aiohttp_client after container: its teardown (the app's cleanup, which stops the background
    # workers) runs before the container's, so no worker touches a disposed engine.
    app = create_app(settings, container_factory=lambda _settings: container)
    return await aiohttp_client(app)


@dataclass
class Session:
    token: str
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def sign_in(client, container):
    """Open an account of a role directly through the use case, then sign in over HTTP."""

    async def make(role: Role, email: str | None = None) -> Session:
        email = email or f"{role.value}@test.maas.example"
        await container.auth.register(
            NewAccount(email=email, display_name=f"Test {role.value}", role=role, password=PASSWORD), by=SYSTEM
        )
        response = await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert response.status == 201, await response.text()
        body = await response.json()
        return Session(token=body["token"], account_id=body["account"]["id"])

    return make


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    """The demo region's operators and the Shuttle, the on-board gateway, and Haru signed in."""
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)
    clock = SteppedClock(NOW)
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    shuttle = Shuttle(clock)
    payments = OnBoardGateway(now=clock.now)
    container = build_container(settings, hasher=fast_hasher, clock=clock,
                                operator_adapters={**adapters, "shuttle": shuttle}, payments=payments)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    await container.auth.register(NewAccount(email="haru@example.jp", display_name="Haru", role=Role.RIDER,
                                             password=PASSWORD), by=SYSTEM)
    token = (await (await client.post("/v1/auth/token", json={"email": "haru@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    yield {"client": client, "clock": clock, "container": container, "shuttle": shuttle, "payments": payments,
           "rider": {"Authorization": f"Bearer {token}"}}


@pytest.fixture
async def places_town(client, container, sign_in):
    """The demo region's places (pois.geojson) saved, an analyst and a rider signed in."""
    pois = json.loads((DEMO / "pois.geojson").read_text(encoding="utf-8"))
    await container.places.save([
        Place(id=f["id"], region_id="yamabuki", name=f["properties"]["name"],
              category=PlaceCategory(f["properties"]["category"]), lat=f["geometry"]["coordinates"][1],
              lon=f["geometry"]["coordinates"][0]) for f in pois["features"]])
    return {"analyst": (await sign_in(Role.ANALYST)).headers, "rider": (await sign_in(Role.RIDER)).headers}


@pytest.fixture
async def stripe_app(localstripe_url: str) -> AsyncIterator[stripe.StripeClient]:
    """The real Stripe SDK on localstripe, as the rider's app would use it."""
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url}, http_client=http)
    await http.close_async()


@pytest.fixture
async def stripe_town(aiohttp_client, database_url, tmp_path, fast_hasher, localstripe_url):
    """The demo region at 08:00 paid through localstripe: Haru (85, a resident), the town hall's
    analyst, and the van's and the bike-share's keys (tests/e2e/stripe_town.py)."""
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json", operator_budget_s=2.0)
    clock = SteppedClock(whole_trip.MORNING)
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    gateway = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url)
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters=adapters,
                                payments=gateway, payout_accounts={})
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))

    async def sign_in(email: str, role: Role, **extra) -> dict[str, str]:
        return await whole_trip.sign_up({"client": client, "container": container}, email, role=role, **extra)

    for operator_id, name, mode, kind in (("noriai", "のりあい号", "shuttle", "on-demand"),
                                          ("yamabuki-cycle", "やまぶきサイクル", "bicycle", "bike-share")):
        await container.operators.register(operator_id=operator_id, name=name, name_en=operator_id, mode=mode,
                                           kind=kind)
    driver = {"Authorization": f"Bearer {(await container.auth.issue_api_key('noriai', 'tablet')).secret}"}
    cycle = {"Authorization": f"Bearer {(await container.auth.issue_api_key('yamabuki-cycle', 'docks')).secret}"}
    haru = await sign_in("haru@example.jp", Role.RIDER, birth_date=dt.date(1941, 5, 12), resident=True)
    analyst = await sign_in("town-hall@example.jp", Role.ANALYST)
    return {"client": client, "clock": clock, "container": container, "haru": haru, "driver": driver,
            "cycle": cycle, "analyst": analyst}


@pytest.fixture
async def settled_town(aiohttp_client, database_url, tmp_path, fast_hasher):
    """The demo region with the town's fare rules, the Shuttle, the on-board gateway and payout
    accounts: Haru (85, a resident), the van's driver key and the town hall's analyst."""
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json")
    clock = SteppedClock(NOW)
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    shuttle = Shuttle(clock)
    payments = OnBoardGateway(now=clock.now)
    container = build_container(settings, hasher=fast_hasher, clock=clock,
                                operator_adapters={**adapters, "shuttle": shuttle}, payments=payments,
                                payout_accounts={"noriai": "acct_noriai", "shuttle": "acct_shuttle"})
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))

    async def sign_in(email: str, role: Role, **extra) -> dict[str, str]:
        account = await container.auth.register(NewAccount(email=email, display_name=email.split("@")[0], role=role,
                                                           password=PASSWORD, **extra), by=SYSTEM)
        await verify_all_claims(container, account.id)  # the town hall saw their card
        token = (await (await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())["token"]
        return {"Authorization": f"Bearer {token}"}

    await container.operators.register(operator_id="noriai", name="のりあい号", name_en="Noriai", mode="shuttle",
                                       kind="on-demand")
    driver = {"Authorization": f"Bearer {(await container.auth.issue_api_key('noriai', 'tablet')).secret}"}
    haru = await sign_in("haru@example.jp", Role.RIDER, birth_date=dt.date(1941, 5, 12), resident=True)
    analyst = await sign_in("town-hall@example.jp", Role.ANALYST)
    return {"client": client, "clock": clock, "container": container, "shuttle": shuttle, "payments": payments,
            "haru": haru, "driver": driver, "analyst": analyst}
