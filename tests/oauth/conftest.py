"""A loopback authorization server registered as the provider `fakebooks`, and a helper that connects to it."""

from __future__ import annotations

from typing import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from oauth import Client, Provider
from tests.conftest import Api
from tests.oauth.fake_provider import FakeAuthServer
from hub.runtime import Hub
from oauth import OAuth

FAKE = Provider(key="fakebooks", name="Fake Books", authorize_url="/", token_url="/", revocation_url="/",
                scopes=("accounting", "offline_access"), account_param="realmId")


@pytest.fixture
async def fake(app: Litestar) -> AsyncIterator[FakeAuthServer]:
    server = await FakeAuthServer(redirect_uri=Hub.of(app).service(OAuth).redirect_uri).start()
    Hub.of(app).service(OAuth).registry.register(FAKE.at(server.url), Client(server.client_id, server.client_secret))
    yield server
    await server.stop()


async def consent(api: Api, provider: str = "fakebooks") -> tuple[str, dict[str, list[str]]]:
    """Authorize through the hub, follow the provider's consent page; answers the hub callback path and query."""
    started = await api.post(f"/v1/connections/{provider}/authorize")
    assert started.status_code == 201, started.text
    async with httpx.AsyncClient() as browser:
        page = await browser.get(started.json()["authorization_url"])
    assert page.status_code == 302, page.text
    back = urlsplit(page.headers["location"])
    return back.path, parse_qs(back.query)


async def connect(api: Api) -> dict:
    """A connected `fakebooks` connection of the api's organization."""
    path, query = await consent(api)
    answer = await api.client.get(path, params={k: v[0] for k, v in query.items()})
    assert answer.status_code == 200, answer.text
    return (await api.get(f"/v1/connections/{answer.json()['connection_id']}")).json()
