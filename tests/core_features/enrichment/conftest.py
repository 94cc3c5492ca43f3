"""The enrichment tests' hub: loopback allowed through the SSRF guard's allowlist (and nothing else internal),
the Clearbit and Hunter fakes as its providers, and a company website on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar

from connectors.clearbit.fake import FakeClearbit
from connectors.hunter.fake import FakeHunter
from hub.app import create_app
from hub.jobs.testing import settle
from tests.conftest import JOB_TEST_SETTINGS, WEBHOOK_TEST_SETTINGS, Api, make_settings, serving
from tests.core_features.enrichment.site import Site
from tests.webhooks.portal.conftest import (LiveHub, _free_socket, _orgs, browser, chromium,  # noqa: F401 (fixtures)
                                            open_portal, page, portal)

CLEARBIT_KEY, HUNTER_KEY = "sk_test_clearbit_0001", "hunter_test_key_0002"


@pytest.fixture(scope="module")
async def site() -> AsyncIterator[Site]:
    site = await Site().start()
    yield site
    await site.stop()


@pytest.fixture(scope="module")
async def clearbit() -> AsyncIterator[FakeClearbit]:
    fake = await FakeClearbit(keys={CLEARBIT_KEY}, retry_after="0.05").start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
async def hunter() -> AsyncIterator[FakeHunter]:
    fake = await FakeHunter(keys={HUNTER_KEY}, retry_after="0.05").start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
async def app(backend: str, tmp_path_factory: pytest.TempPathFactory, clearbit: FakeClearbit,
              hunter: FakeHunter) -> Litestar:
    settings = await make_settings(
        backend, tmp_path_factory.mktemp(f"enrichment-{backend}"), rate_limit_per_minute=100_000,
        rate_limit_burst=10_000, allowed_hosts="127.0.0.1", enrichment_providers="clearbit,hunter",
        enrichment_max_bytes=200_000, enrichment_timeout=5.0, clearbit_api_url=clearbit.url,
        clearbit_max_wait=0.5, hunter_api_url=hunter.url, hunter_max_wait=0.5,
        **WEBHOOK_TEST_SETTINGS, **JOB_TEST_SETTINGS)
    return create_app(settings)


@pytest.fixture(scope="module")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as c:
        yield c


async def company(api: Api, site: Site, page: str = "/jsonld", **fields: Any) -> dict[str, Any]:
    return await api.create("companies", {"name": "Acme", "domain": "acme.example",
                                          "website": f"{site.url}{page}", **fields})


async def enrich(app: Litestar, api: Api, company_id: str) -> dict[str, Any]:
    """Enrich one company through the API and run its jobs; answers the finished run."""
    started = await api.post(f"/v1/companies/{company_id}/enrich")
    assert started.status_code == 202, started.text
    await settle(app)
    run = (await api.get(f"/v1/enrichment/runs/{started.json()['id']}")).json()
    assert run["status"] == "done", run
    return run


async def suggested(api: Api, company_id: str, status: str = "pending") -> dict[tuple[str, str], dict[str, Any]]:
    """The company's suggestions by (field, source)."""
    answer = await api.get(f"/v1/companies/{company_id}/suggestions", params={"status": status})
    assert answer.status_code == 200, answer.text
    return {(s["field"], s["source"]): s for s in answer.json()["data"]}


async def enriched_events(app: Litestar, api: Api, company_id: str) -> list[dict[str, Any]]:
    await settle(app)
    events = (await api.get("/v1/events", params={"type": "company.enriched"})).json()["data"]
    return [e["data"] for e in events if e["data"]["company_id"] == company_id]


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory, site: Site) -> AsyncIterator[LiveHub]:
    """A real server on SQLite that may read the loopback site, with two organizations."""
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = await make_settings("sqlite", tmp_path_factory.mktemp("enrichment-live"), public_url=url,
                                   rate_limit_per_minute=100_000, rate_limit_burst=10_000, allowed_hosts="127.0.0.1",
                                   **JOB_TEST_SETTINGS)
    (acme_id, acme_key), (globex_id, globex_key) = await _orgs(settings, ["Acme Corp", "Globex"])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_config=None, access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), name="enrichment-live",
                              daemon=True)
    thread.start()
    try:
        while not server.started:  # started within a few seconds; the thread would end on a failure
            assert thread.is_alive(), "the hub did not start"
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            yield LiveHub(settings, url, http, Api(http, acme_id, acme_key), Api(http, globex_id, globex_key))
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 20)
        sock.close()
