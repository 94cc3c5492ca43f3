"""The commission pages: a period's payouts with their chart and each rep's statement, served to a signed-in
person of the organization only, and in Chromium as a sales manager reads them."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar import Litestar
from playwright.async_api import Page, expect

from tests.conftest import Api
from tests.core_features.commissions.conftest import TIERS, current, plan, rep, run, win
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot


class TestPages:
    async def test_the_payouts_of_a_period_link_to_statements_traced_to_deals(self, app: Litestar, api: Api,
                                                                               portal: Portal) -> None:
        marta = await rep(api, "Marta")
        await plan(api, [marta], kind="tiered", tiers=TIERS)
        await win(app, api, marta, "40000", name="Acme <b>40k</b>")
        await win(app, api, marta, "80000")
        q = current().label
        await run(app, api, q)
        shown = await portal.get("/portal/commissions")
        assert shown.status_code == 200 and f'value="{q}" selected' in shown.text
        row = re.search(r'<th scope="row" data-label="Rep"><a href="([^"]+)">Marta</a></th>(.*?)</tr>', shown.text,
                        re.DOTALL)
        assert row and row.group(1) == f"/portal/commissions/statements/{marta['id']}?period={q}"
        assert re.search(r'data-label="Total">8,500.00 USD<', row.group(2))
        assert '<svg class="chart"' in shown.text and "Marta: 8,500.00 USD" in shown.text
        statement = await portal.get(row.group(1))
        lines = re.findall(r'data-label="Commission">([^<]+)<', statement.text)
        assert lines == ["2,000.00", "6,500.00"]
        assert "Acme &lt;b&gt;40k&lt;/b&gt;" in statement.text and "<b>40k" not in statement.text

    async def test_another_organizations_statement_is_not_found(self, app: Litestar, api: Api, other: Api,
                                                               open_portal: Any) -> None:
        ana = await rep(api)
        await plan(api, [ana], rate="0.1")
        await win(app, api, ana, "100")
        await run(app, api, current().label)
        visitor = await open_portal()
        await visitor.sign_in(other.key)
        assert (await visitor.get(f"/portal/commissions/statements/{ana['id']}")).status_code == 404
        assert "Ana" not in (await visitor.get("/portal/commissions")).text


async def _until(check: Any, timeout: float = 20.0) -> Any:
    """Wait for a condition of the live server (its relay and job runner work in their own time)."""
    async def poll() -> Any:
        while not (found := await check()):
            await asyncio.sleep(0.05)
        return found
    return await asyncio.wait_for(poll(), timeout)


class TestInChromium:
    async def test_a_manager_reads_the_payouts_and_opens_a_reps_statement(self, live_hub: LiveHub,
                                                                          page: Page) -> None:
        api = live_hub.acme
        marta = await rep(api, "Marta")
        await plan(api, [marta], kind="tiered", tiers=TIERS, tier_mode="cumulative")
        for amount in ("40000", "80000"):
            made = await api.create("deals", {"name": f"Deal {amount}", "amount": amount, "owner_id": marta["id"]})
            await api.patch(f"/v1/deals/{made['id']}", {"status": "won"})
        await _until(lambda: _credited(api, marta["id"], 2))
        started = (await api.post("/v1/commissions/runs", {"period": current().label})).json()
        await _until(lambda: _done(api, started["id"]))
        await page.goto(f"{live_hub.url}/portal/sign-in")
        await page.get_by_label("API key").fill(api.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Commissions").click()
        await expect(page.get_by_role("heading", name="Commission payouts")).to_be_visible()
        await expect(page.get_by_role("img", name=re.compile("Total pay per rep"))).to_be_visible()
        await expect(page.locator("#payouts").get_by_role("row", name=re.compile("^Marta"))).to_contain_text(
            "12,000.00 USD")
        await screenshot(page, "commission-payouts", full_page=True)
        await page.locator("#payouts").get_by_role("link", name="Marta").click()
        await expect(page.get_by_role("heading", name=re.compile("Statement of Marta"))).to_be_visible()
        await expect(page.locator("#statement-total")).to_have_text("12,000.00")
        await expect(page.locator("#statement-lines tbody tr")).to_have_count(2)
        await screenshot(page, "commission-statement", full_page=True)


async def _credited(api: Api, user_id: str, count: int) -> bool:
    return len((await api.get("/v1/commissions/credits", params={"user_id": user_id})).json()) >= count


async def _done(api: Api, run_id: str) -> bool:
    return (await api.get(f"/v1/commissions/runs/{run_id}")).json()["status"] == "done"
