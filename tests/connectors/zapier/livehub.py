"""A live hub for the app tests: `hub serve` in its own process on a free loopback port, as Zapier and Make
reach it, with deliveries to loopback allowed; one server per test module and backend, a fresh organization
per test. The Make tests use it too."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from hub.db import create_engine, session_factory
from hub.settings import Settings
from hub.tenancy import service as tenancy
from tests.conftest import JOB_TEST_SETTINGS, WEBHOOK_TEST_SETTINGS, make_settings

__all__ = ["HubServer", "LiveHub", "hub", "hub_server", "live_hub"]


@dataclass
class LiveHub:
    """One organization of a live hub, with its admin key."""

    url: str
    org_id: str
    key: str
    settings: Settings

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        """A client of the API, with the organization's admin key unless another is given."""
        return httpx.AsyncClient(base_url=self.url, timeout=15,
                                 headers={"Authorization": f"Bearer {key or self.key}"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(settings: Settings) -> dict[str, str]:
    """Every setting as the `HUB_*` variable `hub serve` reads."""
    return {**os.environ, **settings.to_environ()}


async def _create_org(settings: Settings, name: str) -> tuple[str, str]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine).begin() as session:
            org, token = await tenancy.create_org(session, name)
            return org.id, token
    finally:
        await engine.dispose()


async def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            if process.poll() is not None:
                raise AssertionError(f"hub serve exited: {log.read_text()[-3000:]}")
            try:
                if (await client.get(f"{url}/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("hub serve did not come up")


@dataclass
class HubServer:
    url: str
    settings: Settings

    async def new_org(self, name: str = "Acme Corp") -> LiveHub:
        org_id, key = await _create_org(self.settings, name)
        return LiveHub(self.url, org_id, key, self.settings)


@asynccontextmanager
async def live_hub(backend: str, tmp_path: Any, **overrides: Any) -> AsyncIterator[HubServer]:
    """A fresh database served by `hub serve` until the block ends."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = await make_settings(backend, tmp_path, **{
        **WEBHOOK_TEST_SETTINGS, **JOB_TEST_SETTINGS, "public_url": url, "host": "127.0.0.1", "port": port,
        "rate_limit_per_minute": 100_000, "rate_limit_burst": 10_000, **overrides})
    log = Path(tmp_path) / "hub-serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve"], env=_env(settings),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        await _wait_ready(process, url, log)
        yield HubServer(url, settings)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


@pytest.fixture(scope="module")
async def hub_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[HubServer]:
    async with live_hub(backend, tmp_path_factory.mktemp(f"live-{backend}")) as server:
        yield server


@pytest.fixture
async def hub(hub_server: HubServer) -> LiveHub:
    """A fresh organization of the module's live hub."""
    return await hub_server.new_org()
