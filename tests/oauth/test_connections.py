"""Connecting through the API: consent, callback, state checks, health, isolation, disconnect."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from litestar import Litestar
from sqlalchemy import select, text, update

from hub import observability
from hub.db import utcnow
from hub.events.models import Event
from oauth.models import AuthorizationRequest, Connection
from tests.conftest import Api
from tests.oauth.conftest import connect, consent
from tests.oauth.fake_provider import FakeAuthServer
from tests.test_bad_input import assert_problem
from hub.runtime import Hub


class TestConnect:
    async def test_connects_through_consent_and_keeps_tokens_only_encrypted(
            self, app: Litestar, api: Api, fake: FakeAuthServer) -> None:
        stream = io.StringIO()
        observability.configure_logging("INFO", "json", stream=stream)
        try:
            connection = await connect(api)
        finally:
            observability.configure_logging("WARNING", "json")
        assert connection["state"] == "connected" and connection["provider"] == "fakebooks"
        assert connection["external_account_id"] == fake.account
        assert connection["scopes"] == ["accounting", "offline_access"]
        assert connection["expires_at"] and connection["refresh_failures"] == 0
        assert not any("token" in key and "enc" in key for key in connection)
        async with Hub.of(app).sessions() as session:
            raw = (await session.execute(text("SELECT access_token_enc, refresh_token_enc FROM oauth_connections "
                                              "WHERE id = :id"), {"id": connection["id"]})).one()
            events = list((await session.scalars(select(Event.type).where(Event.subject_id == connection["id"]))))
        assert all(value.startswith("v1.") for value in raw)
        assert not any(token in "".join(raw) for token in fake.seen_tokens)
        assert events == ["connection.connected"]
        assert not any(token in stream.getvalue() for token in fake.seen_tokens)

    @pytest.mark.parametrize("how", ["forged", "missing", "expired", "reused", "tampered-code"])
    async def test_refuses_a_bad_state_or_code_with_400_and_connects_nothing(
            self, app: Litestar, api: Api, fake: FakeAuthServer, how: str) -> None:
        path, query = await consent(api)
        params = {k: v[0] for k, v in query.items()}
        if how == "forged":
            params["state"] = "x" * 43
        elif how == "missing":
            del params["state"]
        elif how == "expired":
            async with Hub.of(app).sessions.begin() as session:
                await session.execute(update(AuthorizationRequest).where(AuthorizationRequest.org_id == api.org_id)
                                      .values(expires_at=utcnow() - timedelta(seconds=1)))
        elif how == "reused":
            assert (await api.client.get(path, params=params)).status_code == 200
        elif how == "tampered-code":
            params["code"] += "x"
        assert_problem(await api.client.get(path, params=params), 400)
        if how != "reused":
            assert (await api.get("/v1/connections")).json()["data"] == []

    async def test_a_refused_consent_spends_the_state(self, api: Api, fake: FakeAuthServer) -> None:
        fake.deny = True
        path, query = await consent(api)
        params = {k: v[0] for k, v in query.items()}
        assert_problem(await api.client.get(path, params=params), 400, "access_denied")
        params = {"state": params["state"], "code": "guessed"}
        assert_problem(await api.client.get(path, params=params), 400, "already used")

    async def test_refuses_unknown_callback_parameters(self, api: Api) -> None:
        assert_problem(await api.client.get("/v1/oauth/callback", params={"state": "s", "colour": "red"}),
                       400, "colour")

    async def test_authorize_refuses_unknown_unconfigured_providers_and_non_admin_keys(
            self, api: Api, fake: FakeAuthServer) -> None:
        assert_problem(await api.post("/v1/connections/nowhere/authorize"), 404, "nowhere")
        assert_problem(await api.post("/v1/connections/xero/authorize"), 422, "xero")
        made = (await api.post("/v1/api_keys", {"name": "w", "scopes": ["write"]})).json()
        writer = Api(api.client, api.org_id, made["key"])
        assert_problem(await writer.post("/v1/connections/fakebooks/authorize"), 403)

    async def test_reconnecting_reuses_the_live_connection(self, api: Api, fake: FakeAuthServer) -> None:
        first, second = await connect(api), await connect(api)
        assert first["id"] == second["id"]
        assert [c["id"] for c in (await api.get("/v1/connections")).json()["data"]] == [first["id"]]


class TestIsolation:
    async def test_another_organization_can_neither_read_nor_disconnect(
            self, api: Api, other: Api, fake: FakeAuthServer) -> None:
        connection = await connect(api)
        assert_problem(await other.get(f"/v1/connections/{connection['id']}"), 404)
        assert_problem(await other.delete(f"/v1/connections/{connection['id']}"), 404)
        assert (await other.get("/v1/connections")).json()["data"] == []
        assert (await api.get(f"/v1/connections/{connection['id']}")).json()["state"] == "connected"
        assert_problem(await api.get("/v1/connections", params={"limit": 0}), 400, "limit")


class TestDisconnect:
    async def test_disconnect_revokes_at_the_provider_and_wipes_tokens(
            self, app: Litestar, api: Api, fake: FakeAuthServer) -> None:
        connection = await connect(api)
        answer = await api.delete(f"/v1/connections/{connection['id']}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "revoked" and answer.json()["last_error"] is None
        assert fake.revoked == ["refresh_token"]
        async with Hub.of(app).sessions() as session:
            row = await session.get(Connection, connection["id"])
            assert row is not None and row.access_token_enc is None and row.refresh_token_enc is None
            events = list(await session.scalars(select(Event.data).where(Event.type == "connection.revoked",
                                                                         Event.org_id == api.org_id)))
        assert [e["connection_id"] for e in events] == [connection["id"]]
        assert (await api.delete(f"/v1/connections/{connection['id']}")).json()["state"] == "revoked"
        assert fake.revoked == ["refresh_token"]
        again = await connect(api)  # a revoked connection stays as history; connecting again makes a new one
        assert again["id"] != connection["id"]

    async def test_disconnect_still_forgets_tokens_when_revocation_fails(
            self, api: Api, fake: FakeAuthServer) -> None:
        connection = await connect(api)
        await fake.stop()
        answer = (await api.delete(f"/v1/connections/{connection['id']}")).json()
        assert answer["state"] == "revoked" and "revocation" in answer["last_error"]
        assert json.dumps(answer).count("v1.") == 0


class TestBadInput:
    @pytest.mark.parametrize(("method", "url", "params", "status"), [
        ("GET", "/v1/oauth/callback", {"state": "s" * 5000, "code": "c"}, 400),
        ("GET", "/v1/oauth/callback", {"state": "a\x00b", "code": "c"}, 400),
        ("GET", "/v1/oauth/callback", {}, 400),
        ("GET", "/v1/connections", {"cursor": "garbage!!"}, 400),
        ("GET", "/v1/connections", {"colour": "red"}, 400),
        ("GET", "/v1/connections/oac_nothing", {}, 404),
        ("DELETE", "/v1/connections/oac_nothing", {}, 404),
        ("POST", "/v1/connections/fakebooks/authorize", {"scope": "admin"}, 400),
    ])
    async def test_garbage_gets_problem_details(self, api: Api, fake: FakeAuthServer, method: str, url: str,
                                                params: dict, status: int) -> None:
        assert_problem(await api.client.request(method, url, params=params, headers=api._headers(None)), status)

    def test_refuses_malformed_client_settings_by_name(self, tmp_path: object) -> None:
        from hub.settings import SettingsError, load_settings

        for value in ("{", '{"xero": {"client_id": "a"}}', '{"xero": "a"}'):
            with pytest.raises(SettingsError, match="HUB_OAUTH_CLIENTS"):
                load_settings({"HUB_OAUTH_CLIENTS": value}, data_dir=str(tmp_path))

    def test_public_surface(self) -> None:
        import oauth

        assert sorted(oauth.__all__) == ["Client", "ConnectionUnavailable", "NotConfigured", "OAuth", "OAuthError",
                                         "Provider", "ProviderFailed", "Refresher", "Registry",
                                         "StateRefused", "TokenStore"]
        from hub.app import MODULES

        contributed = {p.key for m in MODULES for p in m.provides if isinstance(p, oauth.Provider)}
        assert contributed >= {"quickbooks", "xero"}
