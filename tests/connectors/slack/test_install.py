"""The OAuth v2 install per workspace, its refusals, and the end of an installation."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, text, update

from connectors.slack.fake import FakeSlack
from connectors.slack.models import InstallRequest, Installation
from hub import observability
from hub.db import utcnow
from hub.tenancy import service
from tests.conftest import Api, new_org
from tests.connectors.slack.conftest import Installed, consent, install, new_team
from tests.test_bad_input import assert_problem
from hub.runtime import Hub


async def _installation_row(hub: Litestar, team_id: str) -> Installation:
    async with Hub.of(hub).sessions() as session:
        return (await session.scalars(select(Installation).where(Installation.team_id == team_id)
                                      .order_by(Installation.id.desc()))).first()


async def _events(api: Api, type: str) -> list[dict]:
    return [e for e in (await api.get("/v1/events", params={"type": type})).json()["data"]]


class TestInstall:
    async def test_installs_through_slacks_page_and_keeps_the_bot_token_only_encrypted(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        answer = await acme.api.get("/v1/slack/installation")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["team_id"] == acme.team_id and body["state"] == "installed"
        assert body["installed_by"] == "U0ADMIN001" and "chat:write" in body["scopes"]
        assert not any("token" in key for key in body)
        async with Hub.of(hub).sessions() as session:
            query = text("SELECT bot_token_enc FROM slack_installations WHERE team_id = :t")
            sealed = (await session.execute(query, {"t": acme.team_id})).scalar_one()
        tokens = [t for t, g in fake_slack.tokens.items() if g["team_id"] == acme.team_id]
        assert sealed.startswith("v1.") and tokens and not any(t in sealed for t in tokens)
        assert [e["data"]["team_id"] for e in await _events(acme.api, "slack.installed")] == [acme.team_id]

    async def test_the_install_url_asks_for_the_bot_scopes_and_comes_back_to_the_hub(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        api = await new_org(hub, hub_client, "Initech")
        started = (await api.post("/v1/slack/install")).json()
        url = httpx.URL(started["authorize_url"])
        assert url.path == "/oauth/v2/authorize" and url.params["client_id"] == fake_slack.client_id
        assert set(url.params["scope"].split(",")) >= {"commands", "chat:write", "users:read.email"}
        assert url.params["redirect_uri"].endswith("/slack/oauth/callback")
        assert url.params["state"] == started["state"]

    @pytest.mark.parametrize("how", ["forged", "missing", "expired", "reused", "tampered-code"])
    async def test_refuses_a_bad_state_or_code_and_installs_nothing(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack, how: str) -> None:
        api = await new_org(hub, hub_client, "Initech")
        team_id = new_team(fake_slack, "Initech")
        path, params = await consent(api, fake_slack, team_id)
        if how == "forged":
            params["state"] = "x" * 43
        elif how == "missing":
            del params["state"]
        elif how == "expired":
            async with Hub.of(hub).sessions.begin() as session:
                await session.execute(update(InstallRequest).where(InstallRequest.org_id == api.org_id)
                                      .values(expires_at=utcnow() - timedelta(seconds=1)))
        elif how == "reused":
            assert (await hub_client.get(path, params=params)).status_code == 200
        elif how == "tampered-code":
            params["code"] += "x"
        assert_problem(await hub_client.get(path, params=params), 400)
        if how != "reused":
            assert_problem(await api.get("/v1/slack/installation"), 404)
            assert await _installation_row(hub, team_id) is None

    async def test_a_refused_consent_spends_the_state(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        api = await new_org(hub, hub_client, "Initech")
        fake_slack.deny = True
        try:
            path, params = await consent(api, fake_slack, new_team(fake_slack, "Initech"))
        finally:
            fake_slack.deny = False
        assert_problem(await hub_client.get(path, params=params), 400, "access_denied")
        assert_problem(await hub_client.get(path, params={"state": params["state"], "code": "guess"}), 400,
                       "already used")

    async def test_a_workspace_belongs_to_one_organization(
            self, hub: Litestar, hub_client: httpx.AsyncClient, acme: Installed,
            fake_slack: FakeSlack) -> None:
        intruder = await new_org(hub, hub_client, "Intruder")
        path, params = await consent(intruder, fake_slack, acme.team_id)
        assert_problem(await hub_client.get(path, params=params), 409, "another organization")
        assert_problem(await intruder.get("/v1/slack/installation"), 404)
        assert (await acme.api.get("/v1/slack/installation")).json()["team_id"] == acme.team_id

    async def test_an_organization_has_one_workspace_until_it_disconnects(
            self, hub_client: httpx.AsyncClient, acme: Installed, fake_slack: FakeSlack) -> None:
        path, params = await consent(acme.api, fake_slack, new_team(fake_slack, "Second"))
        assert_problem(await hub_client.get(path, params=params), 409, "disconnect it first")

    async def test_reinstalling_the_same_workspace_replaces_the_token(
            self, hub: Litestar, hub_client: httpx.AsyncClient, acme: Installed,
            fake_slack: FakeSlack) -> None:
        before = await _installation_row(hub, acme.team_id)
        path, params = await consent(acme.api, fake_slack, acme.team_id)
        assert (await hub_client.get(path, params=params)).status_code == 200
        after = await _installation_row(hub, acme.team_id)
        assert after.id == before.id and after.bot_token_enc != before.bot_token_enc

    async def test_starting_an_install_needs_an_admin_key(self, hub: Litestar, acme: Installed) -> None:
        async with Hub.of(hub).sessions.begin() as session:
            _, token = await service.create_key(session, acme.api.org_id, "writer", ["write"])
        writer = Api(acme.api.client, acme.api.org_id, token)
        assert_problem(await writer.post("/v1/slack/install"), 403)
        assert_problem(await writer.delete("/v1/slack/installation"), 403)


class TestSecrets:
    async def test_no_token_code_or_secret_reaches_the_logs_even_at_debug(
            self, hub: Litestar, hub_client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        stream = io.StringIO()
        observability.configure_logging("DEBUG", "json", stream=stream)
        try:
            org = await install(hub, hub_client, fake_slack, "Loggy")
            await org.command("lead loggy@example.com Logan")
            await org.command("pipeline")
        finally:
            observability.configure_logging("WARNING", "json")
        logged = stream.getvalue()
        tokens = [t for t, g in fake_slack.tokens.items() if g["team_id"] == org.team_id]
        assert "slack.install.completed" in logged and tokens
        for secret in (*tokens, fake_slack.client_secret, fake_slack.signing_secret):
            assert secret not in logged


class TestUnconfigured:
    async def test_a_hub_without_slack_credentials_refuses_installs_and_requests(
            self, api: Api, client: httpx.AsyncClient, fake_slack: FakeSlack) -> None:
        assert_problem(await api.post("/v1/slack/install"), 422, "HUB_SLACK_CLIENT_ID")
        body, headers = fake_slack.event("T0NOBODY01", {"type": "app_uninstalled"})
        assert_problem(await client.post("/slack/events", content=body, headers=headers), 422)


class TestEnd:
    async def test_app_uninstalled_forgets_the_token_and_the_workspace_is_told_so(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        answer = await acme.send(*fake_slack.uninstall(acme.team_id))
        assert answer.status_code == 200, answer.text
        row = await _installation_row(hub, acme.team_id)
        assert row.state == "uninstalled" and row.bot_token_enc is None and row.ended_at is not None
        assert_problem(await acme.api.get("/v1/slack/installation"), 404)
        assert [e["data"]["state"] for e in await _events(acme.api, "slack.uninstalled")] == ["uninstalled"]
        assert "not connected to a CRM organization" in (await acme.command("find ada")).text

    async def test_tokens_revoked_ends_the_installation_only_for_its_own_bot(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        await acme.send(*fake_slack.event(acme.team_id, {"type": "tokens_revoked",
                                                         "tokens": {"oauth": ["U0SOMEONE1"], "bot": []}}))
        await acme.send(*fake_slack.event(acme.team_id, {"type": "tokens_revoked",
                                                         "tokens": {"bot": ["U0OTHERBOT"]}}))
        assert (await _installation_row(hub, acme.team_id)).state == "installed"
        bot = (await acme.api.get("/v1/slack/installation")).json()["bot_user_id"]
        await acme.send(*fake_slack.event(acme.team_id, {"type": "tokens_revoked", "tokens": {"bot": [bot]}}))
        row = await _installation_row(hub, acme.team_id)
        assert row.state == "revoked" and row.bot_token_enc is None

    async def test_an_admin_disconnects_and_the_token_is_revoked_at_slack(
            self, hub: Litestar, acme: Installed, fake_slack: FakeSlack) -> None:
        answer = await acme.api.delete("/v1/slack/installation")
        assert answer.status_code == 200 and answer.json()["state"] == "uninstalled"
        assert all(g["revoked"] for g in fake_slack.tokens.values() if g["team_id"] == acme.team_id)
        assert_problem(await acme.api.delete("/v1/slack/installation"), 404)

    async def test_the_workspace_can_be_installed_again_after_an_uninstall(
            self, hub: Litestar, hub_client: httpx.AsyncClient, acme: Installed,
            fake_slack: FakeSlack) -> None:
        await acme.send(*fake_slack.uninstall(acme.team_id))
        other = await install(hub, hub_client, fake_slack, "Newco")
        path, params = await consent(other.api, fake_slack, acme.team_id)
        assert_problem(await hub_client.get(path, params=params), 409)  # Newco has its own workspace already
        path, params = await consent(acme.api, fake_slack, acme.team_id)
        assert (await hub_client.get(path, params=params)).status_code == 200
        assert (await acme.api.get("/v1/slack/installation")).json()["state"] == "installed"
