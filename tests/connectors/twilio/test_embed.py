"""The embeddable click-to-call button: its tokens and routes, and the button itself in headless Chromium."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from datetime import timedelta
from typing import Any, AsyncIterator

import httpx
import pytest
import uvicorn
from aiohttp import web
from playwright.async_api import Page, expect

from connectors._loopback import serve
from connectors.twilio.embed import EmbedClaims, embed_signer
from connectors.twilio.fake import FakeTwilio, Play
from hub.app import create_app
from hub.db import create_engine, session_factory, utcnow
from hub.tenancy import service as tenancy
from tests.conftest import JOB_TEST_SETTINGS, Api, make_settings
from tests.connectors.twilio.conftest import (ACCOUNT, CALLER_ID, PUBLIC_URL, REP_PHONE, TOKEN, Hub,
                                              rep_and_contact)
from tests.test_bad_input import assert_problem
from tests.webhooks.portal.conftest import ROOT, browser, chromium  # noqa: F401  (fixtures)
from hub.runtime import Hub as Runtime

SCRIPT = "/embed/twilio/click-to-call.js"


async def mint(api: Api, user_id: str, **extra: Any) -> dict[str, Any]:
    answer = await api.post("/v1/telephony/embed_tokens", {"user_id": user_id, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Origin": "https://crm.example"}


class TestEmbedApi:
    async def test_mints_a_token_and_the_snippet_that_carries_it(self, hub: Hub, acme: Api) -> None:
        rep, _ = await rep_and_contact(acme)
        minted = await mint(acme, rep["id"], expires_in=600)
        assert minted["script_url"] == PUBLIC_URL + SCRIPT
        tag = f'<script src="{PUBLIC_URL}{SCRIPT}" data-hub-token="{minted["token"]}" defer></script>'
        assert minted["snippet"] == tag
        script = await hub.http.get(SCRIPT)
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert "data-hub-call" in script.text

    async def test_starts_and_follows_a_call_for_the_tokens_rep_only(self, hub: Hub, fake: FakeTwilio,
                                                                     acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        token = (await mint(acme, rep["id"]))["token"]
        started = await hub.http.post("/embed/twilio/calls", json={"contact_id": contact["id"]},
                                      headers=bearer(token))
        assert started.status_code == 202, started.text
        assert started.headers["access-control-allow-origin"] == "*"
        assert started.json() == {"id": started.json()["id"], "status": "pending", "outcome": None,
                                  "duration_seconds": None, "ended": False}
        await hub.settle()
        call = (await acme.get(f"/v1/calls/{started.json()['id']}")).json()
        assert call["user_id"] == rep["id"] and call["rep_number"] == REP_PHONE
        await fake.played(call["call_sid"])
        followed = await hub.http.get(f"/embed/twilio/calls/{call['id']}", headers=bearer(token))
        ended = {"ended": True, "outcome": "connected", "duration_seconds": 42}
        assert followed.json() | ended == followed.json()
        other_rep, _ = await rep_and_contact(acme, rep_phone="+14155550133")
        theirs = (await mint(acme, other_rep["id"]))["token"]
        assert_problem(await hub.http.get(f"/embed/twilio/calls/{call['id']}", headers=bearer(theirs)), 404)

    async def test_refuses_missing_forged_expired_or_withdrawn_tokens(self, hub: Hub, acme: Api) -> None:
        rep, contact = await rep_and_contact(acme)
        key = (await acme.post("/v1/api_keys", {"name": "crm", "scopes": ["write"]})).json()
        crm = Api(acme.client, acme.org_id, key["key"])
        withdrawn = (await mint(crm, rep["id"]))["token"]
        assert (await acme.delete(f"/v1/api_keys/{key['id']}")).status_code == 204
        keys = tuple(Runtime.of(hub.app).settings.secret_keys)
        expired = embed_signer(keys).sign(EmbedClaims(org_id=acme.org_id, user_id=rep["id"], key_id=key["id"],
                                                      expires_at=utcnow() - timedelta(seconds=1)))
        good = (await mint(acme, rep["id"]))["token"]
        for headers in ({}, bearer("nonsense"), bearer(good[:-2] + "xx"), bearer(expired), bearer(withdrawn)):
            answer = await hub.http.post("/embed/twilio/calls", json={"contact_id": contact["id"]},
                                         headers=headers)
            assert_problem(answer, 401)
            assert answer.headers["access-control-allow-origin"] == "*"
        assert (await acme.get("/v1/calls")).json()["data"] == []

    async def test_a_token_reaches_only_its_own_organization(self, hub: Hub, acme: Api) -> None:
        other = await hub.org("Globex")
        rep, _ = await rep_and_contact(acme)
        their_rep, their_contact = await rep_and_contact(other)
        assert_problem(await acme.post("/v1/telephony/embed_tokens", {"user_id": their_rep["id"]}), 404)
        token = (await mint(acme, rep["id"]))["token"]
        answer = await hub.http.post("/embed/twilio/calls", json={"contact_id": their_contact["id"]},
                                     headers=bearer(token))
        assert_problem(answer, 404)

    async def test_answers_preflights_from_any_origin(self, hub: Hub) -> None:
        answer = await hub.http.options("/embed/twilio/calls", headers={
            "Origin": "https://crm.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()


# The button in a real browser ---------------------------------------------------------------------------

class LiveHub:
    def __init__(self, url: str, api: Api, fake: FakeTwilio) -> None:
        self.url, self.api, self.fake = url, api, fake


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveHub]:
    """The hub served by uvicorn on loopback, a Twilio fake that calls it back over the network."""
    fake = await FakeTwilio({ACCOUNT: TOKEN}).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = await make_settings("sqlite", tmp_path_factory.mktemp("twilio-live"), public_url=url,
                                   twilio_api_url=fake.url, **JOB_TEST_SETTINGS)
    engine = create_engine(settings)
    async with session_factory(engine).begin() as session:
        org, key = await tenancy.create_org(session, "Acme Corp")
    await engine.dispose()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_config=None, access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            api = Api(http, org.id, key)
            configured = await http.put("/v1/telephony", headers=api._headers(None), json={
                "account_sid": ACCOUNT, "auth_token": TOKEN, "caller_id": CALLER_ID})
            assert configured.status_code == 200, configured.text
            yield LiveHub(url, api, fake)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 20)
        sock.close()
        await fake.stop()


async def crm_page(snippet: str, contact_id: str) -> tuple[web.AppRunner, str]:
    """A CRM page on an origin of its own, with the snippet and one marked contact."""
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ada Lovelace · CRM</title>'
            f'</head><body><h1>Ada Lovelace</h1><p>Phone: <span data-hub-call="{contact_id}" '
            f'data-hub-call-name="Ada Lovelace"></span></p>{snippet}</body></html>')
    async def show(_: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", show)
    return await serve(app)


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Page]:  # noqa: F811
    context = await browser.new_context(viewport={"width": 900, "height": 400})
    opened = await context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    await context.close()


class TestButtonInChromium:
    async def test_calls_the_contact_for_the_signed_in_rep_and_shows_how_it_ended(self, live: LiveHub,
                                                                                 page: Page) -> None:
        rep, contact = await rep_and_contact(live.api)
        minted = await mint(live.api, rep["id"])
        runner, crm = await crm_page(minted["snippet"], contact["id"])
        try:
            await page.goto(crm)
            button = page.get_by_role("button", name="Call Ada Lovelace")
            await button.click()
            status = page.get_by_role("status")
            await expect(status).to_have_text("Call ended: connected (0:42)")
            await expect(button).to_be_enabled()
            (ROOT / "test-artifacts" / "twilio").mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ROOT / "test-artifacts" / "twilio" / "click-to-call.png"))
            live.fake.plays.append(Play(dialed="busy"))
            await button.click()
            await expect(status).to_have_text("Call ended: busy")
        finally:
            await runner.cleanup()
        calls = (await live.api.get("/v1/calls")).json()["data"]
        assert [(c["user_id"], c["contact_id"], c["outcome"]) for c in calls] == [
            (rep["id"], contact["id"], "busy"), (rep["id"], contact["id"], "connected")]
        tos = [c.json["to"] for c in live.fake.calls.values()]
        assert tos == [REP_PHONE, REP_PHONE]

    async def test_a_page_whose_token_has_ended_says_so_and_calls_nobody(self, live: LiveHub,
                                                                        page: Page) -> None:
        _, contact = await rep_and_contact(live.api)
        before = len(live.fake.calls)
        stale = f'<script src="{live.url}{SCRIPT}" data-hub-token="stale.token" defer></script>'
        runner, crm = await crm_page(stale, contact["id"])
        try:
            await page.goto(crm)
            await page.get_by_role("button", name="Call Ada Lovelace").click()
            await expect(page.get_by_role("status")).to_have_text(re.compile("calling session has ended"))
        finally:
            await runner.cleanup()
        assert len(live.fake.calls) == before
