"""The enrichment pages: progress of runs, suggestions accepted or rejected by a person through a form, and in
Chromium as a rep would use them."""

from __future__ import annotations

import re

from litestar import Litestar
from playwright.async_api import Page, expect

from tests.conftest import Api
from tests.core_features.enrichment.conftest import company, enrich, suggested
from tests.core_features.enrichment.site import Site
from tests.webhooks.portal.conftest import LiveHub, Portal, screenshot


class TestPages:
    async def test_the_overview_shows_each_run_s_progress_and_companies_waiting(
            self, app: Litestar, api: Api, portal: Portal, site: Site) -> None:
        made = await company(api, site, name="Initrode")
        await enrich(app, api, made["id"])
        shown = await portal.get("/portal/enrichment")
        assert shown.status_code == 200 and '<svg class="chart"' in shown.text
        assert "1 of 1" in shown.text
        assert re.search(rf'<a href="/portal/enrichment/{made["id"]}">Initrode</a> <span class="badge">\d+ pending',
                         shown.text)

    async def test_a_suggestion_is_accepted_only_through_the_form(self, app: Litestar, api: Api, portal: Portal,
                                                                  site: Site) -> None:
        made = await company(api, site, phone="+14155550100")
        await enrich(app, api, made["id"])
        phone = (await suggested(api, made["id"]))[("phone", "homepage")]
        await portal.get(f"/portal/enrichment/{made['id']}")
        refused = await portal.post(f"/portal/enrichment/{made['id']}/suggestions/{phone['id']}/accept", csrf=False)
        assert refused.status_code == 403
        assert (await api.get(f"/v1/companies/{made['id']}")).json()["phone"] == "+14155550100"
        done = await portal.post(f"/portal/enrichment/{made['id']}/suggestions/{phone['id']}/accept")
        assert done.status_code == 303 and done.headers["location"].endswith("notice=accepted")
        assert (await api.get(f"/v1/companies/{made['id']}")).json()["phone"] == "+14155550199"
        shown = await portal.get(f"/portal/enrichment/{made['id']}")
        assert re.search(r"<dt>phone</dt><dd>\+1 415 555 0199 <span class=\"muted\">from homepage", shown.text)

    async def test_another_organization_s_company_is_not_found(self, app: Litestar, api: Api, other: Api,
                                                               open_portal: object, site: Site) -> None:
        made = await company(api, site)
        visitor = await open_portal()  # type: ignore[operator]
        await visitor.sign_in(other.key)
        assert (await visitor.get(f"/portal/enrichment/{made['id']}")).status_code == 404


class TestInChromium:
    async def test_a_rep_enriches_every_company_and_accepts_a_suggestion(self, live: LiveHub, site: Site,
                                                                         page: Page) -> None:
        made = await live.acme.create("companies", {"name": "Acme Anvils", "domain": "acme.example",
                                                    "website": f"{site.url}/jsonld"})
        await page.goto(f"{live.url}/portal/sign-in")
        await page.get_by_label("API key").fill(live.acme.key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("link", name="Enrichment").click()
        await page.get_by_role("button", name="Enrich every company").click()
        await expect(page.get_by_text("Enrichment of every company queued")).to_be_visible()
        link = page.locator("#waiting").get_by_role("link", name="Acme Anvils")
        for _ in range(100):  # the job runs in the server; the page shows it once done
            if await link.count():
                break
            await page.reload()
        await expect(page.get_by_role("img", name=re.compile("Enrichment runs"))).to_be_visible()
        await screenshot(page, "enrichment", full_page=True)
        await link.click()
        await expect(page).to_have_url(f"{live.url}/portal/enrichment/{made['id']}")
        await page.get_by_role("button", name="Accept legal name Acme Corporation").click()
        await expect(page.get_by_text("Suggestion accepted")).to_be_visible()
        await expect(page.locator("#accepted")).to_contain_text("Acme Corporation from homepage")
        await screenshot(page, "enrichment-company", full_page=True)
