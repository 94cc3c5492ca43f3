"""The sentiment pages: open deals by sentiment, and a deal's activities scored over time with its chart;
for a signed-in person of the deal's own organization, and in Chromium as a rep would use them."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar import Litestar
from playwright.async_api import Page, expect

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.core_features.sentiment.test_api import ANGRY, HAPPY, _deal, _log
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot


async def _soured(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A deal whose two happy emails were followed by an angry one, and a deal that stayed happy."""
    sour, sweet = await _deal(api, "Initech <renewal>"), await _deal(api, "Hooli pilot")
    for day, text in enumerate(HAPPY[:2], start=1):
        await _log(api, text, deal_id=sour["id"], day=day)
    await _log(api, ANGRY, deal_id=sour["id"], day=5, subject="Outage <b>again</b>")
    await _log(api, HAPPY[2], deal_id=sweet["id"], day=3)
    return sour, sweet


class TestPages:
    async def test_deals_are_listed_most_negative_first_and_a_deal_shows_its_chart(
            self, app: Litestar, api: Api, portal: Portal) -> None:
        sour, sweet = await _soured(api)
        await settle(app)
        listed = await portal.get("/portal/sentiment")
        assert listed.status_code == 200
        order = re.findall(r'href="/portal/sentiment/deals/(\w+)"', listed.text)
        assert order == [sour["id"], sweet["id"]] and "Initech &lt;renewal&gt;" in listed.text
        shown = await portal.get(f"/portal/sentiment/deals/{sour['id']}")
        assert shown.status_code == 200 and '<svg class="chart"' in shown.text
        assert shown.text.count("<circle") == 3 and "<polyline" in shown.text
        assert "Outage &lt;b&gt;again&lt;/b&gt;" in shown.text and "<b>again" not in shown.text
        assert "<q>They are furious about the outage and threatened to cancel.</q>" in shown.text

    async def test_another_organizations_deal_is_not_found(self, app: Litestar, api: Api, other: Api,
                                                          open_portal: Any) -> None:
        sour, _ = await _soured(api)
        await settle(app)
        visitor = await open_portal()
        await visitor.sign_in(other.key)
        assert (await visitor.get(f"/portal/sentiment/deals/{sour['id']}")).status_code == 404
        assert "Initech" not in (await visitor.get("/portal/sentiment")).text


async def _scored(api: Api, deal_id: str, count: int, timeout: float = 30.0) -> None:
    """Wait until the live hub's jobs have scored `count` activities of the deal."""
    async def check() -> None:
        while (await api.get(f"/v1/deals/{deal_id}/sentiment")).json()["scored"] < count:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(check(), timeout)


class TestInChromium:
    async def test_a_rep_finds_the_deal_that_turned_sour_and_reads_why(self, live_hub: LiveHub, page: Page) -> None:
        sour, sweet = await _soured(live_hub.acme)
        await _scored(live_hub.acme, sour["id"], 3)
        await _scored(live_hub.acme, sweet["id"], 1)
        await page.goto(f"{live_hub.url}/portal/sign-in")
        await page.get_by_label("API key").fill(live_hub.acme.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Sentiment").click()
        table = page.locator("#deals")
        await expect(table.get_by_role("row").nth(1)).to_contain_text("Initech <renewal>")
        await table.get_by_role("link", name="Initech <renewal>").click()
        await expect(page).to_have_url(f"{live_hub.url}/portal/sentiment/deals/{sour['id']}")
        chart = page.get_by_role("img", name=re.compile("Sentiment of the deal's activities"))
        await expect(chart).to_be_visible()
        await expect(page.locator("#scored").locator("tr", has_text="Outage <b>again</b>")
                     ).to_contain_text("negative")
        await screenshot(page, "deal-sentiment", full_page=True)
