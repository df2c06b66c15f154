"""The app with the demo region's operators (the noriai vans, taxi, bike-share) on their database
stores, a stepped clock at a Tuesday 09:00 in Tokyo, and helpers to open accounts and the vans'
operator key: the world the on-demand, plausibility, ticket and rider e2e tests share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Principal, Role
from maas.settings import load_settings
from maas.storage import migrate
from tests.fakes import SteppedClock, verify_all_claims

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)  # a Tuesday
SYSTEM = Principal(subject_id="system:test", role=Role.ADMIN)
PASSWORD = "correct horse battery"
HOME = {"lat": 36.4005, "lon": 138.9000}
HOSPITAL = {"lat": 36.412526, "lon": 138.91438}


@dataclass
class VansApp:
    client: Any
    clock: SteppedClock
    container: Any

    async def sign_up(self, email: str, role: Role = Role.RIDER, **account: Any) -> tuple[str, dict[str, str]]:
        """Opens an account and signs it in over HTTP: its id and Authorization header."""
        account.setdefault("display_name", email.split("@")[0])
        opened = await self.container.auth.register(NewAccount(email=email, role=role, password=PASSWORD, **account),
                                                    by=SYSTEM)
        await verify_all_claims(self.container, opened.id)  # the town hall saw their card
        body = await (await self.client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json()
        return opened.id, {"Authorization": f"Bearer {body['token']}"}

    async def noriai_key(self) -> dict[str, str]:
        """The vans' operator registered, and a key for its drivers' tablets."""
        await self.container.operators.register(operator_id="noriai", name="のりあい号", name_en="Noriai",
                                                mode="shuttle", kind="on-demand")
        issued = await self.container.auth.issue_api_key("noriai", "driver tablets")
        return {"Authorization": f"Bearer {issued.secret}"}


async def vans_app(aiohttp_client: Any, database_url: str, tmp_path: Path, hasher: Any, *,
                   payments: Any = None, **settings: Any) -> VansApp:
    config = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                           operators_config=DEMO / "maas-operators.json", **settings)
    clock = SteppedClock(NOW)
    container = build_container(config, hasher=hasher, clock=clock,
                                payments=payments(clock) if payments is not None else None)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(config, container_factory=lambda _s: container))
    return VansApp(client, clock, container)
