"""The insights page: the serving model's metrics and charts, the hottest leads and the deals at risk, for a
signed-in person of the organization, and in Chromium as a rep would use it."""

from __future__ import annotations

import asyncio
import re

from litestar import Litestar
from playwright.async_api import Page, expect

from hub.jobs.testing import settle
from tests.conftest import Api
from tests.core_features.insights.conftest import budget_field, history, lead
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot


async def _organization(api: Api) -> tuple[dict, dict]:
    """A trained lead model, an open lead with a large budget and a deal past its close date."""
    await budget_field(api)
    await history(api, 70)
    hot = await lead(api, first_name="Hedy", last_name="Lamarr", company_name="Initech",
                     custom_fields={"budget": 98})
    late = await api.create("deals", {"name": "Umbrella renewal", "stage": "discovery",
                                      "expected_close": "2020-01-31"})
    return hot, late


async def _until_served(api: Api, lead_id: str) -> None:
    """Wait, against a server in another thread, until the lead is scored by a model."""
    async def served() -> bool:
        answer = await api.get(f"/v1/leads/{lead_id}/score")
        return answer.status_code == 200 and answer.json()["regime"] == "model" and answer.json()["scored_at"]

    while not await served():
        await asyncio.sleep(0.2)


class TestPage:
    async def test_it_shows_the_model_its_charts_the_hottest_leads_and_the_deals_at_risk(
            self, app: Litestar, api: Api, portal: Portal) -> None:
        hot, late = await _organization(api)
        await settle(app, timeout=180)
        shown = await portal.get("/portal/insights")
        assert shown.status_code == 200
        lead_model = shown.text.split('id="lead-model"')[1].split("</section>")[0]
        assert re.search(r'data-metric="auc">0\.\d{3}<', lead_model)
        assert lead_model.count('<svg class="chart"') == 3 and "Gains: positives found" in lead_model
        assert "Scored by rules while history is thin: 0 positive and 0 negative" in shown.text
        hottest = shown.text.split('id="hottest"')[1].split("</table>")[0]
        assert "Hedy Lamarr (Initech)" in hottest and "Budget: 98" in hottest
        assert "Umbrella renewal" in shown.text.split('id="at-risk"')[1]
        assert shown.headers["content-security-policy"].startswith("default-src 'self'")

    async def test_another_organization_sees_none_of_it(self, app: Litestar, api: Api, other: Api,
                                                        open_portal) -> None:
        await lead(api, first_name="Hedy", last_name="Lamarr")
        await settle(app, timeout=60)
        visitor = await open_portal()
        await visitor.sign_in(other.key)
        shown = await visitor.get("/portal/insights")
        assert shown.status_code == 200 and "Lamarr" not in shown.text and "No open lead is scored yet." in shown.text


class TestInChromium:
    async def test_a_rep_reads_the_models_charts_and_the_hottest_leads(self, live_hub: LiveHub, page: Page) -> None:
        hot, _ = await _organization(live_hub.acme)
        await asyncio.wait_for(_until_served(live_hub.acme, hot["id"]), 300)
        await page.goto(f"{live_hub.url}/portal/sign-in")
        await page.get_by_label("API key").fill(live_hub.acme.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Insights").click()
        await expect(page.get_by_role("heading", name="Lead scoring")).to_be_visible()
        for name in ("Gains", "Calibration", "Feature importance"):
            await expect(page.get_by_role("img", name=re.compile(f"^{name}"))).to_be_visible()
        await expect(page.locator("#hottest").get_by_role("row", name=re.compile("Hedy Lamarr"))).to_contain_text(
            "Budget: 98")
        await screenshot(page, "insights", full_page=True)
