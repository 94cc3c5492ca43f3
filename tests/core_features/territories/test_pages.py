"""The territory pages: the map by US state and by country with counts and amounts, and the tree with its
rules and people; for a signed-in person of the organization only, and in Chromium."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from playwright.async_api import Page, expect

from tests.conftest import Api
from tests.core_features.territories.conftest import activate, company, draw
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot


async def _world(app: Litestar | None, api: Api) -> dict[str, str]:
    """The drawn model, active, with a company in the Bay (an open 1,500 USD deal), one in Oregon, one in Berlin."""
    ids = await draw(api)
    rep = await api.create("users", {"name": "Rita Reyes", "email": "rita@example.com"})
    await api.put(f"/v1/territories/{ids['bay']}/members", {"user_id": rep["id"], "role": "owner"})
    bay = await company(api, "Bay Co", country="US", region="CA", postal_code="94105")
    await company(api, "Rose Co", country="US", region="OR", postal_code="97201")
    await company(api, "Spree Co", country="DE")
    await api.create("deals", {"name": "Bay deal", "amount": "1500", "company_id": bay})
    if app is not None:
        await activate(app, api, ids["model"])
    else:
        await api.post(f"/v1/territory_models/{ids['model']}/activate")
    return ids


def _tile(html: str, code: str) -> str:
    found = re.search(rf'<g class="place" data-code="{code}"><title>([^<]*)</title><rect[^>]*fill="([^"]+)"', html)
    assert found, code
    return f"{found.group(1)} | {found.group(2)}"


class TestPages:
    async def test_the_map_colours_each_state_by_its_deepest_territory(self, app: Litestar, api: Api,
                                                                      portal: Portal) -> None:
        await _world(app, api)
        shown = await portal.get("/portal/territories")
        assert shown.status_code == 200 and '<svg class="chart"' in shown.text
        west, oregon, texas = _tile(shown.text, "CA"), _tile(shown.text, "OR"), _tile(shown.text, "TX")
        assert west.startswith("CA: West, 1 records") and oregon.startswith("OR: West")
        assert texas.startswith("TX: Americas") and west.split(" | ")[1] != texas.split(" | ")[1]
        row = re.search(r'data-label="Territory">.*?Bay</th>(.*?)</tr>', shown.text, re.DOTALL)
        assert row and re.findall(r'data-label="(?:Records|Open deals)">([^<]+)<', row.group(1)) == ["1", "1,500 USD"]
        world = await portal.get("/portal/territories", params={"view": "world"})
        assert _tile(world.text, "DE").startswith("DE: Europe, 1 records") and _tile(world.text, "JP").startswith(
            "JP: no territory")

    async def test_the_tree_shows_rules_people_and_records(self, app: Litestar, api: Api, portal: Portal) -> None:
        ids = await _world(app, api)
        shown = await portal.get("/portal/territories/tree")
        bay = re.search(rf'<li id="t-{ids["bay"]}">(.*?)</li>', shown.text, re.DOTALL)
        assert bay and "Rita Reyes (owner)" in bay.group(1) and "1 records" in bay.group(1)
        assert "company: 1 OR 2 — 1 postal prefix 94; 2 within radius km 30, lat 37.7749, lng -122.4194" in shown.text
        assert shown.text.index(f't-{ids["americas"]}') < shown.text.index(f't-{ids["west"]}') < shown.text.index(
            f't-{ids["bay"]}')

    async def test_another_organizations_model_is_not_found(self, api: Api, other: Api, open_portal: Any) -> None:
        ids = await _world(None, api)
        visitor = await open_portal()
        await visitor.sign_in(other.key)
        assert (await visitor.get("/portal/territories", params={"model_id": ids["model"]})).status_code == 404
        empty = await visitor.get("/portal/territories/tree")
        assert empty.status_code == 200 and "No territories yet" in empty.text and "Bay" not in empty.text


class TestInChromium:
    async def test_a_manager_reads_the_map_then_the_tree(self, live_hub: LiveHub, page: Page) -> None:
        ids = await _world(None, live_hub.acme)
        await page.goto(f"{live_hub.url}/portal/sign-in")
        await page.get_by_label("API key").fill(live_hub.acme.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Territories").click()
        await expect(page.get_by_role("heading", name="Territory map")).to_be_visible()
        await expect(page.get_by_role("img", name=re.compile("Territories by US state"))).to_be_visible()
        await expect(page.locator('g.place[data-code="CA"] title')).to_have_text(re.compile("^CA: West"))
        await screenshot(page, "territory-map", full_page=True)
        await page.get_by_role("link", name="Countries").click()
        await expect(page.get_by_role("img", name=re.compile("Territories by country"))).to_be_visible()
        await page.get_by_role("link", name="The hierarchy and its rules").click()
        await expect(page.get_by_role("heading", name="Territory hierarchy")).to_be_visible()
        await expect(page.locator(f"#t-{ids['bay']}")).to_contain_text("Rita Reyes (owner)")
        await screenshot(page, "territory-tree", full_page=True)
