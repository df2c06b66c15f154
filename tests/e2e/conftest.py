"""The real application with the real composition root, served by aiohttp's test server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from maas.api.app import create_app
from maas.domain.accounts import NewAccount, Principal, Role

SYSTEM = Principal(subject_id="system:test", role=Role.ADMIN)
PASSWORD = "correct horse battery"


@pytest.fixture
async def client(aiohttp_client, settings, container):
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
