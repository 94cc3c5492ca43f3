"""Shared fixtures: every API test runs once on SQLite and once on PostgreSQL.

PostgreSQL is at HUB_TEST_POSTGRES_URL (default: the local server, trust auth). Where it is down the
PostgreSQL runs are skipped, except under CI=true, where they fail: CI must exercise both.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

import asyncpg
import httpx
import pytest
from litestar import Litestar

from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.migrate import upgrade
from hub.settings import Settings, load_settings
from hub.tenancy import service
from hub.runtime import Hub

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SECRET = base64.urlsafe_b64encode(b"k" * 32).decode()
# Receivers in tests listen on loopback, which only the allowlist lets through; retries come fast.
WEBHOOK_TEST_SETTINGS = {"webhook_allowed_hosts": "127.0.0.1", "webhook_retry_schedule": "0,0.2,0.2,0.2",
                         "webhook_timeout": 3.0, "webhook_connect_timeout": 1.0, "webhook_lease_seconds": 10.0}
JOB_TEST_SETTINGS = {"job_retry_schedule": "0,0.2,0.2,0.2", "job_poll_seconds": 0.05, "job_lease_seconds": 10.0}


def _postgres_up() -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
        return True
    except Exception:
        return False


POSTGRES_UP = _postgres_up()


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not POSTGRES_UP:
        raise pytest.UsageError(f"CI=true but PostgreSQL is unreachable at {POSTGRES_URL}")


_CREATED: list[str] = []


async def _fresh_postgres_db() -> str:
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    _CREATED.append(name)
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def make_settings(backend: str, tmp_path: Any, **overrides: Any) -> Settings:
    """Settings on a fresh, migrated database of the given backend."""
    url = await _fresh_postgres_db() if backend == "postgresql" else ""
    # Tests send many refused requests from one address; the limit on those is tested on its own.
    overrides = {"anonymous_rate_limit_per_minute": 100_000, "anonymous_rate_limit_burst": 10_000, **overrides}
    settings = load_settings({}, data_dir=str(tmp_path), database_url=url, secret_key=SECRET, log_level="WARNING",
                             demo_org_on_first_start=False, relay_interval_seconds=0.05, strict_events=True,
                             **overrides)
    engine = create_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return settings


async def stops_when_woken_and_cancelled(start: Callable[[], Awaitable[Any]], event: asyncio.Event,
                                         wake: Callable[[], None]) -> None:
    """A loop cancelled at the moment it is woken stops, at whichever turn of the event loop after the wake the
    cancellation lands (the turns where the wake and the stop race). `start()` answers a new run of the loop,
    which waits on `event` when idle; `wake()` wakes it. Each turn count is tried on a run of its own."""
    for turns in range(5):
        task = asyncio.ensure_future(start())
        try:
            deadline = asyncio.get_running_loop().time() + 30
            while not getattr(event, "_waiters", None):  # the loop is idle, waiting to be woken
                assert asyncio.get_running_loop().time() < deadline, "the loop never came to wait"
                await asyncio.sleep(0.01)
            wake()
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.wait([task], timeout=30)
            assert task.cancelled(), f"still running: cancelled {turns} turns after the wake"
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the databases this run made; FORCE ends connections still held by pools."""
    if not _CREATED:
        return

    async def drop_one(name: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def drop() -> None:  # a few at a time: each waits for its checkpoint, mostly not on the CPU
        room = asyncio.Semaphore(8)

        async def guarded(name: str) -> None:
            async with room:
                await drop_one(name)

        await asyncio.gather(*(guarded(name) for name in _CREATED))

    asyncio.run(drop())


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not POSTGRES_UP:
        pytest.skip("PostgreSQL is not reachable")
    return request.param


@pytest.fixture(scope="session")
async def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return await make_settings(backend, tmp_path_factory.mktemp(backend), rate_limit_per_minute=100_000,
                               rate_limit_burst=10_000, **WEBHOOK_TEST_SETTINGS, **JOB_TEST_SETTINGS)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> Litestar:
    return create_app(settings)


@contextlib.asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app through ASGI in the tests' own event loop, with its lifespan (relay, worker, job
    runner) going, as in production."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:  # entered and left in one task, as anyio requires
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run_lifespan())
    await started.wait()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://hub.test") as c:
            yield c
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as c:
        yield c


@dataclass
class Api:
    """A client bound to one organization's key."""

    client: httpx.AsyncClient
    org_id: str
    key: str
    app: Litestar | None = None  # the hub it talks to in process, when a test must wait for its background work

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **(headers or {})}

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def post(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    async def patch(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    async def put(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def create(self, plural: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST and insist on 201; answers the created record."""
        response = await self.post(f"/v1/{plural}", body)
        assert response.status_code == 201, response.text
        return response.json()


async def new_org(app: Litestar, client: httpx.AsyncClient, name: str = "Org") -> Api:
    async with Hub.of(app).sessions.begin() as session:
        org, token = await service.create_org(session, f"{name} {uuid.uuid4().hex[:6]}")
    return Api(client, org.id, token, app)


@pytest.fixture
async def api(app: Litestar, client: httpx.AsyncClient) -> Api:
    """A fresh organization with an admin key."""
    return await new_org(app, client, "Acme")


@pytest.fixture
async def other(app: Litestar, client: httpx.AsyncClient) -> Api:
    """A second, unrelated organization."""
    return await new_org(app, client, "Globex")


@pytest.fixture
def sessions(app: Litestar) -> Any:
    return Hub.of(app).sessions


__all__ = ["Api", "JOB_TEST_SETTINGS", "serving", "make_settings", "new_org", "session_factory"]
