"""Portal fixtures: a signed-in page client over ASGI, and for the browser tests a real hub and Chromium.

Chromium comes from Debian (`/usr/bin/chromium`); Playwright drives it and never downloads a browser.
When it is missing the session installs it with apt-get (as root), or fails saying how to.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest
import uvicorn
from litestar import Litestar

from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.settings import Settings
from hub.tenancy import service
from tests.conftest import WEBHOOK_TEST_SETTINGS, Api, make_settings, new_org
from tests.webhooks.receiver import Receiver, start_receiver

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
DOCS_IMAGES = ROOT / "docs" / "img" / "portal"
UPDATE_DOCS = os.environ.get("HUB_UPDATE_DOCS_SCREENSHOTS", "") == "1"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Portal:
    """A browser stand-in over ASGI: its own cookie jar, and the form token of its session."""

    http: httpx.AsyncClient
    token: str = ""
    org_id: str = ""
    key: str = field(default="", repr=False)

    def remember(self, response: httpx.Response) -> httpx.Response:
        if found := _TOKEN.search(response.text):
            self.token = found.group(1)
        return response

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.remember(await self.http.get(url, **kw))

    async def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True) -> httpx.Response:
        body = {**({"csrf_token": self.token} if csrf else {}), **(data or {})}
        return self.remember(await self.http.post(url, data=body))

    async def sign_in(self, key: str) -> httpx.Response:
        """Sign in and load a page, whose forms carry the new session's token."""
        await self.get("/portal/sign-in")
        answer = await self.post("/portal/sign-in", {"api_key": key})
        if answer.status_code == 303:
            await self.get("/portal/catalog")
        return answer


@pytest.fixture
async def open_portal(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[Any]:
    """Opens portals with their own cookies; `client` keeps the app's lifespan running meanwhile."""
    opened: list[httpx.AsyncClient] = []

    async def make(base_url: str = "http://hub.test") -> Portal:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base_url)
        opened.append(http)
        return Portal(http)

    yield make
    for http in opened:
        await http.aclose()


@pytest.fixture
async def portal(open_portal: Any, api: Api) -> Portal:
    """A portal signed in with a fresh organization's admin key."""
    signed_in = await open_portal()
    answer = await signed_in.sign_in(api.key)
    assert answer.status_code == 303, answer.text
    signed_in.org_id, signed_in.key = api.org_id, api.key
    return signed_in


# Browser tests ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed on first use when running as root."""
    if not Path(CHROMIUM).exists():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) "
                        "or run the tests as root, which installs it")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return CHROMIUM


@dataclass
class LiveHub:
    """The hub served by uvicorn on a loopback port, in a thread of its own, with two organizations."""

    settings: Settings
    url: str
    http: httpx.AsyncClient
    acme: Api
    globex: Api


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _orgs(settings: Settings, names: list[str]) -> list[tuple[str, str]]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine).begin() as session:
            made = [await service.create_org(session, name) for name in names]
    finally:
        await engine.dispose()
    return [(org.id, token) for org, token in made]


@pytest.fixture(scope="module")
async def live_hub(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveHub]:
    """A real server on SQLite with fast retries and loopback receivers allowed; two organizations."""
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = await make_settings("sqlite", tmp_path_factory.mktemp("portal-live"), public_url=url,
                                   rate_limit_per_minute=100_000, rate_limit_burst=10_000,
                                   **WEBHOOK_TEST_SETTINGS)
    (acme_id, acme_key), (globex_id, globex_key) = await _orgs(settings, ["Acme Corp", "Globex"])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_config=None, access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), name="live-hub",
                              daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "the hub did not start"
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield LiveHub(settings, url, http, Api(http, acme_id, acme_key), Api(http, globex_id, globex_key))
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 20)
        sock.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec, runner = await start_receiver()
    yield rec
    await runner.cleanup()


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, headless=True,
                                                   args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        await launched.close()


DESKTOP = {"width": 1200, "height": 860}


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A desktop-sized page of a fresh browser context."""
    context = await browser.new_context(viewport=DESKTOP)
    opened = await context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    await context.close()


async def screenshot(page: Any, name: str, full_page: bool = False, height: int | None = None) -> Path:
    """Saved as a test artifact; with HUB_UPDATE_DOCS_SCREENSHOTS=1 also as the docs' copy. `height` crops."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height} if height else None
    await page.screenshot(path=str(path), full_page=full_page, clip=clip)
    if UPDATE_DOCS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / f"{name}.png")
    return path


__all__ = ["DESKTOP", "LiveHub", "Portal", "new_org", "screenshot"]
