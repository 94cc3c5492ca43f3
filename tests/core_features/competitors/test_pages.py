"""The competitor pages: win/loss with its chart for a signed-in person, never for a portal link, and in
Chromium as a rep would use them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar
from playwright.async_api import Page, expect

from tests.conftest import Api
from tests.core_features.competitors.conftest import close, deal
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot

CARD = "Lead with uptime.\nThey cannot do SSO.\n\n<script>alert(1)</script> is what they ship"


async def _rivalry(app: Litestar | None, api: Api) -> dict[str, Any]:
    """Umbrella, with a battle card, in one won deal and one lost deal."""
    umbrella = await api.create("competitors", {"name": "Umbrella", "battle_card": CARD, "strengths": "Price"})
    for status in ("won", "lost"):
        made = await deal(api, f"Acme {status}", amount="1000")
        await api.post(f"/v1/deals/{made['id']}/competitors", {"competitor_id": umbrella["id"]})
        if app is not None:
            await close(app, api, made, status)
        else:
            await api.patch(f"/v1/deals/{made['id']}", {"status": status})
    return umbrella


class TestPages:
    async def test_the_analysis_shows_each_competitor_with_its_rate_and_a_chart(self, app: Litestar, api: Api,
                                                                              portal: Portal) -> None:
        umbrella = await _rivalry(app, api)
        shown = await portal.get("/portal/competitors")
        assert shown.status_code == 200
        row = re.search(r'<tr>\s*<th scope="row" data-label="Competitor"><a href="/portal/competitors/(\w+)">'
                        r'Umbrella</a></th>(.*?)</tr>', shown.text, re.S)
        assert row and row.group(1) == umbrella["id"]
        assert re.findall(r'data-label="(?:Deals|Won|Lost|Win rate)">([^<]+)<', row.group(2)) == [
            "2", "1", "1", "50 %"]
        assert '<svg class="chart"' in shown.text and "Umbrella: 50 % of 2" in shown.text
        assert shown.headers["content-security-policy"].startswith("default-src 'self'")

    async def test_a_battle_card_is_shown_as_text_never_as_markup(self, app: Litestar, api: Api,
                                                                 portal: Portal) -> None:
        umbrella = await _rivalry(app, api)
        card = await portal.get(f"/portal/competitors/{umbrella['id']}")
        assert "<p>Lead with uptime.<br>They cannot do SSO.</p>" in card.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; is what they ship" in card.text and "<script>alert" not in card.text
        assert card.text.count("lost to") == 1 and card.text.count("won against") == 1

    async def test_another_organizations_competitor_is_not_found(self, api: Api, other: Api,
                                                                 open_portal: Any) -> None:
        umbrella = await _rivalry(None, api)
        visitor = await open_portal()
        await visitor.sign_in(other.key)
        assert (await visitor.get(f"/portal/competitors/{umbrella['id']}")).status_code == 404
        assert "Umbrella" not in (await visitor.get("/portal/competitors")).text

    async def test_a_portal_link_opens_webhook_pages_only(self, api: Api, open_portal: Any) -> None:
        await _rivalry(None, api)
        visitor = await open_portal()
        url = (await api.post("/v1/portal_links", {})).json()["url"]
        await visitor.get("/portal/link")
        opened = await visitor.post("/portal/link", {"token": urlsplit(url).fragment})
        assert opened.status_code == 303 and opened.headers["location"] == "/portal/endpoints"
        endpoints = await visitor.get("/portal/endpoints")
        assert endpoints.status_code == 200 and 'href="/portal/competitors"' not in endpoints.text
        refused = await visitor.get("/portal/competitors")
        assert refused.status_code == 403 and "Umbrella" not in refused.text


class TestInChromium:
    async def test_a_rep_reads_the_win_loss_table_and_opens_a_battle_card(self, live_hub: LiveHub,
                                                                           page: Page) -> None:
        umbrella = await _rivalry(None, live_hub.acme)
        await page.goto(f"{live_hub.url}/portal/sign-in")
        await page.get_by_label("API key").fill(live_hub.acme.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Competitors").click()
        await expect(page.get_by_role("heading", name="Win/loss by competitor")).to_be_visible()
        chart = page.get_by_role("img", name=re.compile("Win rate against each competitor"))
        await expect(chart).to_be_visible()
        table = page.locator("#win-loss")
        await expect(table.get_by_role("row", name=re.compile("^Umbrella"))).to_contain_text("50 %")
        await screenshot(page, "competitors", full_page=True)
        await table.get_by_role("link", name="Umbrella").click()
        await expect(page).to_have_url(f"{live_hub.url}/portal/competitors/{umbrella['id']}")
        await expect(page.get_by_text("They cannot do SSO.")).to_be_visible()
        await expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
        await screenshot(page, "battle-card", full_page=True)
