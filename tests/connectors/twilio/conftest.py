"""A hub pointed at a loopback Twilio, which reaches the hub back through the ASGI app, as Twilio would over
the internet: requests to the hub's public URL, signed with the account's auth token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator

import httpx
import pytest
from litestar import Litestar

from connectors.twilio.fake import FakeTwilio, Play
from hub.app import create_app
from hub.jobs.testing import settle
from tests.conftest import JOB_TEST_SETTINGS, Api, make_settings, new_org
from hub.runtime import Hub as Runtime

ACCOUNT = "AC" + "5ef8732a3c49700934481addd5ce1659"
TOKEN = "9c1f0e7b2a4d4e8fb3a6c5d7e8f90a1b"
OTHER_ACCOUNT = "AC" + "0123456789abcdef0123456789abcdef"
OTHER_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PUBLIC_URL = "https://hub.example.com"
CALLER_ID = "+14155550100"
REP_PHONE = "+14155550111"


@dataclass
class Hub:
    app: Litestar
    http: httpx.AsyncClient
    fake: FakeTwilio

    async def org(self, name: str = "Acme", *, record: bool = False, account: str = ACCOUNT,
                  token: str = TOKEN) -> Api:
        """An organization with telephony set up."""
        api = await new_org(self.app, self.http, name)
        answer = await api.client.put("/v1/telephony", headers=api._headers(None), json={
            "account_sid": account, "auth_token": token, "caller_id": CALLER_ID, "record_calls": record})
        assert answer.status_code == 200, answer.text
        return api

    async def settle(self) -> list[Any]:
        return await settle(self.app)


@pytest.fixture(scope="module")
async def hub(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hub]:
    fake = await FakeTwilio({ACCOUNT: TOKEN, OTHER_ACCOUNT: OTHER_TOKEN}).start()
    settings = await make_settings(backend, tmp_path_factory.mktemp(f"twilio-{backend}"),
                                   public_url=PUBLIC_URL, twilio_api_url=fake.url,
                                   rate_limit_per_minute=100_000, rate_limit_burst=10_000,
                                   **JOB_TEST_SETTINGS)
    app = create_app(settings)
    await fake.deliver.aclose()
    fake.deliver = httpx.AsyncClient(transport=httpx.ASGITransport(app))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=PUBLIC_URL) as http:
        yield Hub(app, http, fake)
    await fake.stop()
    await Runtime.of(app).engine.dispose()


@pytest.fixture
def fake(hub: Hub) -> FakeTwilio:
    hub.fake.plays.clear()
    hub.fake.fail_next.clear()
    hub.fake.drop_status_callbacks = False
    hub.fake.retry_after = None
    return hub.fake


@pytest.fixture
async def acme(hub: Hub) -> Api:
    return await hub.org("Acme")


async def rep_and_contact(api: Api, *, contact_phone: str | None = "(415) 555-2671",
                          rep_phone: str | None = REP_PHONE) -> tuple[dict[str, Any], dict[str, Any]]:
    email = f"dana.{uuid.uuid4().hex[:8]}@example.com"
    rep = await api.create("users", {"name": "Dana Reyes", "email": email, "phone": rep_phone})
    contact = await api.create("contacts", {"first_name": "Ada", "last_name": "Lovelace",
                                            "phone": contact_phone, "owner_id": rep["id"]})
    return rep, contact


__all__ = ["ACCOUNT", "CALLER_ID", "Hub", "OTHER_ACCOUNT", "OTHER_TOKEN", "PUBLIC_URL", "Play", "REP_PHONE",
           "TOKEN", "rep_and_contact"]
