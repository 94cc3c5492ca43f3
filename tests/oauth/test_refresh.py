"""The one refresher: ahead of expiry, mid-use, single flight across processes, failures and expiry."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from hub import observability
from hub.crypto import Cipher
from hub.db import create_engine, session_factory, utcnow
from hub.events.models import Event
from oauth import ConnectionUnavailable, ProviderFailed, TokenStore
from oauth.models import Connection
from tests.conftest import Api
from tests.oauth.conftest import connect
from tests.oauth.fake_provider import FakeAuthServer
from hub.runtime import Hub
from oauth import OAuth


async def me(fake: FakeAuthServer, token: str) -> int:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{fake.url}/me", headers={"Authorization": f"Bearer {token}"})).status_code


@pytest.fixture
def fast(app: Litestar) -> object:
    """Retries without real waiting, restored afterwards."""
    refresher = Hub.of(app).service(OAuth).refresher
    saved = (refresher.backoff, refresher.cooldown, refresher.max_failures, refresher.failing_for)
    refresher.backoff, refresher.cooldown = 0.01, timedelta(0)
    yield refresher
    refresher.backoff, refresher.cooldown, refresher.max_failures, refresher.failing_for = saved


class TestAccessToken:
    async def test_answers_the_stored_token_while_it_is_fresh(self, app: Litestar, api: Api,
                                                             fake: FakeAuthServer) -> None:
        connection = await connect(api)
        token = await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"])
        assert await me(fake, token) == 200 and fake.refreshes == 0

    async def test_refreshes_a_token_that_expired_mid_use(self, app: Litestar, api: Api,
                                                          fake: FakeAuthServer) -> None:
        connection, oauth, sessions = await connect(api), Hub.of(app).service(OAuth), Hub.of(app).sessions
        token = await oauth.access_token(sessions, connection["id"])
        fake.advance(3601)  # the provider's clock passes the token's expiry while the hub still holds it
        assert await me(fake, token) == 401
        fresh = await oauth.access_token(sessions, connection["id"], rejected=token)
        assert fresh != token and await me(fake, fresh) == 200 and fake.refreshes == 1
        assert await oauth.access_token(sessions, connection["id"], rejected=token) == fresh
        health = (await api.get(f"/v1/connections/{connection['id']}")).json()
        assert health["last_refreshed_at"] and health["refresh_failures"] == 0

    async def test_refreshes_ahead_of_expiry(self, app: Litestar, api: Api, fake: FakeAuthServer) -> None:
        connection, oauth = await connect(api), Hub.of(app).service(OAuth)
        old = await oauth.access_token(Hub.of(app).sessions, connection["id"])
        soon = utcnow() + timedelta(seconds=3600 - 60)  # within the 5-minute margin
        fresh = await oauth.access_token(Hub.of(app).sessions, connection["id"], now=soon)
        assert fresh != old and fake.refreshes == 1
        assert await me(fake, fresh) == 200

    async def test_a_quiet_grant_is_refreshed_before_its_refresh_token_lapses(self, app: Litestar, api: Api,
                                                                              fake: FakeAuthServer) -> None:
        connection, oauth, sessions = await connect(api), Hub.of(app).service(OAuth), Hub.of(app).sessions
        assert await oauth.refresh_idle(sessions) == 0 and fake.refreshes == 0  # connected just now
        async with sessions.begin() as session:
            row = await session.get(Connection, connection["id"])
            row.connected_at = utcnow() - timedelta(days=15)  # nothing has used it for two weeks
        assert await oauth.refresh_idle(sessions) == 1 and fake.refreshes == 1
        assert await oauth.refresh_idle(sessions) == 0 and fake.refreshes == 1
        fresh = await oauth.access_token(sessions, connection["id"])
        assert await me(fake, fresh) == 200

    @pytest.mark.parametrize("entry", ["access_token", "refresh"])
    async def test_two_workers_spend_one_refresh(self, app: Litestar, api: Api, fake: FakeAuthServer,
                                                 entry: str) -> None:
        """Two processes (two engines); with `refresh` both have already found the token due, as under load."""
        connection = await connect(api)
        call = getattr(Hub.of(app).service(OAuth) if entry == "access_token" else Hub.of(app).service(OAuth).refresher, entry)
        fake.refresh_delay = 0.3  # the second worker arrives while the first refresh is under way
        engines = [create_engine(Hub.of(app).settings) for _ in range(2)]
        later = utcnow() + timedelta(hours=1)
        try:
            tokens = await asyncio.gather(*(call(session_factory(e), connection["id"], now=later) for e in engines))
        finally:
            for engine in engines:
                await engine.dispose()
        assert fake.refreshes == 1
        assert tokens[0] == tokens[1] and await me(fake, tokens[0]) == 200


class TestFailures:
    async def test_invalid_grant_expires_the_connection_and_emits_connection_expired(
            self, app: Litestar, api: Api, fake: FakeAuthServer) -> None:
        connection = await connect(api)
        fake._refresh.clear()  # the provider forgot the grant: every refresh token is now invalid_grant
        stream = io.StringIO()
        observability.configure_logging("INFO", "json", stream=stream)
        try:
            with pytest.raises(ConnectionUnavailable, match="invalid_grant"):
                await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"],
                                                   now=utcnow() + timedelta(hours=2))
        finally:
            observability.configure_logging("WARNING", "json")
        health = (await api.get(f"/v1/connections/{connection['id']}")).json()
        assert health["state"] == "expired" and "invalid_grant" in health["last_error"]
        async with Hub.of(app).sessions() as session:
            data = list(await session.scalars(select(Event.data).where(Event.type == "connection.expired",
                                                                       Event.org_id == api.org_id)))
        assert [d["connection_id"] for d in data] == [connection["id"]]
        with pytest.raises(ConnectionUnavailable, match="expired"):
            await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"])
        assert not any(token in stream.getvalue() for token in fake.seen_tokens)
        assert "oauth.connection.expired" in stream.getvalue()

    async def test_transient_failures_are_retried_then_succeed(self, app: Litestar, api: Api,
                                                               fake: FakeAuthServer, fast: object) -> None:
        connection = await connect(api)
        fake.fail_next = [503, 500]
        token = await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"],
                                                   now=utcnow() + timedelta(hours=2))
        assert fake.refreshes == 1 and await me(fake, token) == 200

    async def test_a_refresh_that_keeps_failing_expires_the_connection(
            self, app: Litestar, api: Api, fake: FakeAuthServer, fast: object) -> None:
        refresher = Hub.of(app).service(OAuth).refresher
        refresher.max_failures, refresher.failing_for = 2, timedelta(0)
        connection = await connect(api)
        fake.fail_next = [500] * 6
        later = utcnow() + timedelta(hours=2)
        with pytest.raises(ProviderFailed, match="HTTP 500"):
            await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"], now=later)
        health = (await api.get(f"/v1/connections/{connection['id']}")).json()
        assert health["state"] == "connected" and health["refresh_failures"] == 1 and health["failing_since"]
        with pytest.raises(ConnectionUnavailable, match="HTTP 500"):
            await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"], now=later)
        assert (await api.get(f"/v1/connections/{connection['id']}")).json()["state"] == "expired"

    async def test_keeps_the_current_token_when_an_early_refresh_fails(
            self, app: Litestar, api: Api, fake: FakeAuthServer, fast: object) -> None:
        connection = await connect(api)
        old = await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"])
        fake.fail_next = [502] * 3
        soon = utcnow() + timedelta(seconds=3600 - 60)
        assert await Hub.of(app).service(OAuth).access_token(Hub.of(app).sessions, connection["id"], now=soon) == old


class TestTokenStore:
    def test_reseals_under_a_new_key_and_binds_each_token_to_its_connection(self) -> None:
        old_key, new_key = b"o" * 32, b"n" * 32
        connection = Connection(id="oac_1")
        TokenStore(Cipher([old_key])).store(connection, {"access_token": "at-1", "refresh_token": "rt-1",
                                                         "expires_in": 60}, utcnow())
        store = TokenStore(Cipher([new_key, old_key]))
        assert store.rotate(connection) and not store.rotate(connection)
        assert TokenStore(Cipher([new_key])).access_token(connection) == "at-1"
        moved = Connection(id="oac_2", access_token_enc=connection.access_token_enc)
        with pytest.raises(Exception, match="another context"):
            store.access_token(moved)
        assert base64.b64encode(b"at-1").decode() not in (connection.access_token_enc or "")
