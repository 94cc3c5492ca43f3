"""A hub pointed at the loopback Slack, and organizations that installed the app into their own workspace."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from litestar import Litestar

from connectors.slack.fake import FakeSlack
from hub.app import create_app
from hub.jobs.testing import settle
from hub.settings import Settings
from tests.conftest import JOB_TEST_SETTINGS, Api, make_settings, new_org, serving
from hub.runtime import Hub
from connectors.slack import Slack

EVENTS = "/slack/events"


@pytest.fixture(scope="session")
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
async def slack_settings(backend: str, fake_slack: FakeSlack,
                         tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return await make_settings(backend, tmp_path_factory.mktemp(f"slack-{backend}"),
                               rate_limit_per_minute=100_000, rate_limit_burst=10_000,
                               slack_client_id=fake_slack.client_id,
                               slack_client_secret=fake_slack.client_secret,
                               slack_signing_secret=fake_slack.signing_secret,
                               slack_api_url=fake_slack.api_url, **JOB_TEST_SETTINGS)


@pytest.fixture(scope="session")
async def hub(slack_settings: Settings) -> Litestar:
    return create_app(slack_settings)


@pytest.fixture(scope="session")
async def hub_client(hub: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The hub with its relay and job runner going, as in production."""
    async with serving(hub) as client:
        yield client


@dataclass
class Installed:
    """An organization, its workspace on the fake, and one rep who is a user in both (same email)."""

    api: Api
    team_id: str
    rep: dict[str, Any]  # the CRM user
    rep_slack: str  # the same person's Slack user id
    fake: FakeSlack
    client: httpx.AsyncClient
    hub: Litestar

    async def send(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """Post what Slack would post, and wait for the work it started after acknowledging."""
        answer = await self.client.post(EVENTS, content=body, headers=headers)
        await Hub.of(self.hub).service(Slack).drain()
        return answer

    async def command(self, text: str, user: str | None = None) -> httpx.Response:
        return await self.send(*self.fake.command(self.team_id, user or self.rep_slack, text))

    async def click(self, action_id: str, user: str | None = None, **where: Any) -> httpx.Response:
        return await self.send(*self.fake.click(self.team_id, user or self.rep_slack, action_id, **where))

    def last_response(self) -> dict[str, Any]:
        """The latest message the hub sent to a response_url of this workspace."""
        return next(r for r in reversed(self.fake.responses) if f"/{self.team_id}/" in r["url"])

    async def settle(self) -> None:
        await settle(self.hub)


def new_team(fake: FakeSlack, name: str) -> str:
    team_id = "T" + uuid.uuid4().hex[:9].upper()
    fake.add_workspace(team_id, name, channels=("C0GENERAL1", "C0DEALS001"))
    return team_id


async def consent(api: Api, fake: FakeSlack, team_id: str) -> tuple[str, dict[str, str]]:
    """An admin of the organization starts the install and approves it on Slack's page as a workspace admin;
    answers the hub callback's path and query."""
    started = await api.post("/v1/slack/install")
    assert started.status_code == 201, started.text
    fake.consent = (team_id, "U0ADMIN001")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(started.json()["authorize_url"])
    assert page.status_code == 302, page.text
    back = urlsplit(page.headers["location"])
    return back.path, dict(parse_qsl(back.query))


async def install(hub: Litestar, client: httpx.AsyncClient, fake: FakeSlack, name: str = "Acme") -> Installed:
    api = await new_org(hub, client, name)
    team_id = new_team(fake, f"{name} Sales")
    email = f"rep.{uuid.uuid4().hex[:6]}@{name.lower()}.example"
    rep = await api.create("users", {"name": "Robin Rep", "email": email})
    rep_slack = "U" + uuid.uuid4().hex[:9].upper()
    fake.add_user(team_id, rep_slack, email.upper(), "Robin Rep")  # emails match whatever their case
    path, query = await consent(api, fake, team_id)
    answer = await client.get(path, params=query)
    assert answer.status_code == 200, answer.text
    return Installed(api, team_id, rep, rep_slack, fake, client, hub)


@pytest.fixture
async def acme(hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> Installed:
    return await install(hub, hub_client, fake_slack, "Acme")


@pytest.fixture
async def globex(hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> Installed:
    return await install(hub, hub_client, fake_slack, "Globex")


__all__ = ["EVENTS", "Installed", "consent", "install", "new_team"]
