"""API keys: hashed at rest, shown once, scoped, revocable, rate limited."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from hub.app import create_app
from hub.tenancy.auth import RateLimiter, hash_secret
from hub.tenancy.models import ApiKey
from tests.conftest import Api, make_settings, new_org
from hub.runtime import Hub


class TestApiKeys:
    async def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(self, api: Api, sessions: Any) -> None:
        made = await api.post("/v1/api_keys", {"name": "zapier", "scopes": ["read", "write"]})
        assert made.status_code == 201
        token = made.json()["key"]
        assert token.startswith(made.json()["prefix"] + "_")
        listed = (await api.get("/v1/api_keys")).json()["data"]
        assert all("key" not in k for k in listed)
        async with sessions() as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.id == made.json()["id"]))
        assert row.secret_hash == hash_secret(token) and token not in str(vars(row))

    async def test_scopes_limit_what_a_key_may_do(self, api: Api) -> None:
        token = (await api.post("/v1/api_keys", {"name": "ro", "scopes": ["read"]})).json()["key"]
        reader = Api(api.client, api.org_id, token)
        assert (await reader.get("/v1/contacts")).status_code == 200
        assert (await reader.post("/v1/contacts", {"first_name": "X"})).status_code == 403
        assert (await reader.post("/v1/actions/contact.find", {"email": "x@y.example"})).status_code == 200
        assert (await reader.post("/v1/actions/contact.create", {"first_name": "X"})).status_code == 403
        writer = Api(api.client, api.org_id,
                     (await api.post("/v1/api_keys", {"name": "rw", "scopes": ["write"]})).json()["key"])
        assert (await writer.post("/v1/contacts", {"first_name": "X"})).status_code == 201
        assert (await writer.post("/v1/users", {"name": "U", "email": "u@x.example"})).status_code == 403
        assert (await writer.get("/v1/api_keys")).status_code == 403

    async def test_a_revoked_key_is_refused_on_the_next_request(self, api: Api) -> None:
        made = (await api.post("/v1/api_keys", {"name": "tmp", "scopes": ["read"]})).json()
        tmp = Api(api.client, api.org_id, made["key"])
        assert (await tmp.get("/v1/me")).status_code == 200
        assert (await api.delete(f"/v1/api_keys/{made['id']}")).status_code == 204
        refused = await tmp.get("/v1/me")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert (await api.get(f"/v1/api_keys/{made['id']}")).json()["revoked_at"] is not None

    async def test_an_expired_key_is_refused(self, api: Api) -> None:
        made = (await api.post("/v1/api_keys", {"name": "old", "scopes": ["read"],
                                                "expires_at": "2000-01-01T00:00:00Z"})).json()
        assert (await Api(api.client, api.org_id, made["key"]).get("/v1/me")).status_code == 401

    async def test_records_when_a_key_was_last_used(self, app: Litestar, api: Api) -> None:
        assert (await api.get("/v1/me")).status_code == 200
        await Hub.of(app).key_usage.flush()
        keys = (await api.get("/v1/api_keys")).json()["data"]
        assert keys[0]["last_used_at"] is not None

    async def test_me_names_the_connection(self, api: Api) -> None:
        me = (await api.get("/v1/me")).json()
        assert me["org_id"] == api.org_id and me["label"].startswith("Acme")
        assert me["key_prefix"] == api.key[:12]


class TestRateLimit:
    def test_allows_a_burst_then_spaces_requests_at_the_rate(self) -> None:
        limiter = RateLimiter(per_minute=60, burst=3)
        assert [limiter.hit("k", now=0.0) for _ in range(3)] == [None, None, None]
        wait = limiter.hit("k", now=0.0)
        assert wait is not None and 0.9 < wait <= 1.0
        assert limiter.hit("k", now=1.0) is None
        assert limiter.hit("other", now=0.0) is None

    async def test_answers_429_with_retry_after_per_key(self, backend: str, tmp_path: Any) -> None:
        settings = await make_settings(backend, tmp_path, rate_limit_per_minute=60, rate_limit_burst=2)
        app = create_app(settings)
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.test") as client:
            a = await new_org(app, client, "A")
            b = await new_org(app, client, "B")
            answers = [await a.get("/v1/me") for _ in range(3)]
            assert [r.status_code for r in answers] == [200, 200, 429]
            limited = answers[-1]
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.json()["status"] == 429
            assert (await b.get("/v1/me")).status_code == 200
        await Hub.of(app).engine.dispose()
        await asyncio.sleep(0)
