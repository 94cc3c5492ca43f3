"""The portal end to end in headless Chromium against a hub served for real, with screenshots.

The screenshots land in `test-artifacts/portal/`; `HUB_UPDATE_DOCS_SCREENSHOTS=1` also refreshes the
copies in `docs/img/portal/` that docs/portal.md shows.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from playwright.async_api import Page, expect

from hub.db import utcnow
from tests.conftest import Api
from tests.webhooks.portal.conftest import DESKTOP, LiveHub, screenshot
from tests.webhooks.receiver import Receiver
from hub.web._signing import LinkClaims, signers

PHONE = {"width": 375, "height": 812}


async def sign_in(page: Page, hub: LiveHub, key: str) -> None:
    await page.goto(f"{hub.url}/portal/sign-in")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Endpoints", exact=True)).to_be_visible()


async def until_shown(page: Page, text: str, tries: int = 60) -> None:
    """Reload until `text` is on the page: deliveries are recorded by the hub's worker, not by the page."""
    for _ in range(tries):
        if await page.get_by_text(text, exact=False).count():
            return
        await page.wait_for_timeout(150)
        await page.reload()
    raise AssertionError(f"{text!r} never showed on {page.url}")


async def endpoint_for(api: Api, receiver: Receiver, **fields: Any) -> tuple[dict[str, Any], str]:
    path = f"/hook/{uuid.uuid4().hex[:8]}"
    made = await api.post("/v1/endpoints", {"url": receiver.url(path), **fields})
    assert made.status_code == 201, made.text
    return made.json(), path


def _link_posted(response: Any) -> bool:
    return response.url.endswith("/portal/link") and response.request.method == "POST"


class TestDeliveryFlow:
    async def test_signs_in_creates_an_endpoint_and_resends_a_delivery_that_failed_then_succeeded(
            self, live_hub: LiveHub, page: Page, receiver: Receiver) -> None:
        await page.goto(f"{live_hub.url}/portal/")
        await expect(page).to_have_url(re.compile(r"/portal/sign-in"))
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
        await page.get_by_label("API key").fill("hub_00000000_not-a-real-key")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("not valid")
        await screenshot(page, "sign-in", height=520)
        await sign_in(page, live_hub, live_hub.acme.key)

        await page.get_by_role("link", name="Add endpoint").click()
        await page.get_by_label("URL").fill("http://10.1.2.3/hook")
        await page.get_by_label("Description").fill("Billing sync")
        await page.get_by_label("every contact event").check()
        await page.get_by_label("webhook.test").check()
        await page.get_by_label("Rate limit").fill("lots")
        await page.get_by_role("button", name="Create endpoint").click()
        await expect(page.get_by_role("alert")).to_contain_text("not saved")
        await expect(page.locator("#rate_limit-error")).to_contain_text("whole number")
        await expect(page.get_by_label("Description")).to_have_value("Billing sync")
        await expect(page.get_by_label("every contact event")).to_be_checked()
        await page.get_by_label("Rate limit").fill("")
        await page.get_by_role("button", name="Create endpoint").click()
        await expect(page.locator("#url-error")).to_contain_text("10.1.2.3")
        await expect(page.get_by_label("Rate limit")).to_have_value("")
        await screenshot(page, "endpoint-form-errors")

        path = f"/hook/{uuid.uuid4().hex[:8]}"
        receiver.script[path] = [500]
        await page.get_by_label("URL").fill(receiver.url(path))
        await page.get_by_role("button", name="Create endpoint").click()
        await expect(page.get_by_role("status")).to_contain_text("Endpoint created")
        await page.get_by_role("button", name="Send test event").click()
        await expect(page.get_by_role("status")).to_contain_text("test event")
        await receiver.wait_for(path, 2)

        await page.get_by_role("link", name="All messages of this endpoint").click()
        await page.get_by_role("link", name=re.compile(r"^msg_")).first.click()
        await until_shown(page, "Attempt 2: HTTP 200")
        await expect(page.get_by_role("heading", name=re.compile("Attempt 1: HTTP 500"))).to_be_visible()
        await expect(page.locator("pre.code").first).to_contain_text('"type": "webhook.test"')
        await page.get_by_text("Request headers").first.click()
        await expect(page.get_by_role("row", name=re.compile("webhook-id msg_"))).to_be_visible()
        await screenshot(page, "message", full_page=True)

        await page.get_by_role("button", name="Resend").click()
        await expect(page.get_by_role("status")).to_contain_text("sent again")
        await receiver.wait_for(path, 3)
        await until_shown(page, "Attempt 3: HTTP 200")


class TestLog:
    async def test_filters_the_log_by_event_type_and_status(self, live_hub: LiveHub, page: Page,
                                                            receiver: Receiver) -> None:
        api = live_hub.acme
        endpoint, path = await endpoint_for(api, receiver, description="CRM mirror")
        receiver.script[path] = [500, 200, 200, 200]
        for name in ("Ada", "Grace"):
            assert (await api.post("/v1/contacts", {"first_name": name})).status_code == 201
        assert (await api.post(f"/v1/endpoints/{endpoint['id']}/test")).status_code == 202
        await receiver.wait_for(path, 4)

        await sign_in(page, live_hub, api.key)
        await page.get_by_role("link", name="Messages").click()
        await page.get_by_label("Event type").fill("contact.*")
        await page.get_by_label("Endpoint").select_option(endpoint["id"])
        await page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.log tbody tr")
        await expect(rows).to_have_count(2)
        await expect(rows.filter(has_text="webhook.test")).to_have_count(0)
        await expect(page.get_by_label("Event type")).to_have_value("contact.*")
        await screenshot(page, "message-log")

        await page.get_by_label("Event type").fill("")
        await page.get_by_label("Status").select_option("failed")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("No messages match.")).to_be_visible()

        await page.get_by_label("Event type").fill("not a type")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.locator("#event_type-error")).to_be_visible()
        await expect(page.get_by_label("Event type")).to_have_value("not a type")

        await page.get_by_role("link", name="Clear").click()
        await page.set_viewport_size(PHONE)
        await expect(rows.first).to_be_visible()
        await screenshot(page, "message-log-phone", full_page=True, height=1300)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the log scrolls sideways on a phone ({width}px)"


class TestSecret:
    async def test_reveals_and_rotates_the_secret(self, live_hub: LiveHub, page: Page, receiver: Receiver) -> None:
        endpoint, _ = await endpoint_for(live_hub.acme, receiver, description="Secret rotation")
        await sign_in(page, live_hub, live_hub.acme.key)
        await page.goto(f"{live_hub.url}/portal/endpoints/{endpoint['id']}")
        await page.get_by_role("button", name="Reveal secret").click()
        await expect(page.locator("#secret-value")).to_have_text(endpoint["secret"])
        await page.get_by_role("button", name="Rotate secret").click()
        await expect(page.get_by_role("status")).to_contain_text("Secret rotated")
        await page.get_by_role("button", name="Reveal secret").click()
        rotated = await page.locator("#secret-value").text_content()
        assert rotated and rotated.startswith("whsec_") and rotated != endpoint["secret"]
        await expect(page.get_by_text("The previous secret also signs until")).to_be_visible()
        await screenshot(page, "secret")


class TestPortalLinks:
    async def test_a_link_opens_one_organization_only_and_an_expired_one_is_refused(
            self, live_hub: LiveHub, page: Page, receiver: Receiver) -> None:
        acme, globex = live_hub.acme, live_hub.globex
        theirs, path = await endpoint_for(acme, receiver, description="Acme only")
        await acme.post(f"/v1/endpoints/{theirs['id']}/test")
        await receiver.wait_for(path, 1)
        [message] = (await acme.get("/v1/messages", params={"endpoint_id": theirs["id"]})).json()["data"]
        ours, _ = await endpoint_for(globex, receiver, description="Globex orders")

        minted = await globex.post("/v1/portal_links", {"expires_in": 600, "scope": "write"})
        assert minted.status_code == 201, minted.text
        await page.goto(minted.json()["url"])
        await expect(page.get_by_role("heading", name="Endpoints", exact=True)).to_be_visible()
        await expect(page.locator(".org")).to_have_text("Globex")
        await expect(page.get_by_role("link", name=ours["url"])).to_be_visible()
        await expect(page.get_by_text(theirs["url"])).to_have_count(0)
        assert "#" not in page.url and "token" not in page.url

        for url in (f"/portal/endpoints/{theirs['id']}", f"/portal/messages/{message['id']}"):
            answer = await page.goto(f"{live_hub.url}{url}")
            assert answer is not None and answer.status == 404
            await expect(page.get_by_role("heading", name="Not found")).to_be_visible()

        keys = (await globex.get("/v1/api_keys")).json()["data"]
        key_id = next(k["id"] for k in keys if globex.key.startswith(k["prefix"] + "_"))
        expired = LinkClaims(org_id=globex.org_id, key_id=key_id, scope="write",
                             expires_at=utcnow() - timedelta(minutes=1))
        token = signers(tuple(live_hub.settings.secret_keys)).link(expired)
        fresh = await page.context.browser.new_context(viewport=DESKTOP)  # type: ignore[union-attr]
        other = await fresh.new_page()
        async with other.expect_response(_link_posted) as opened:
            await other.goto(f"{live_hub.url}/portal/link#{token}")
        assert (await opened.value).status == 410
        await expect(other.get_by_role("heading", name="This portal link has expired")).to_be_visible()
        await screenshot(other, "link-expired", height=300)

        tampered = minted.json()["url"][:-3] + ("AAA" if not minted.json()["url"].endswith("AAA") else "BBB")
        await other.goto("about:blank")  # a new fragment alone would not load the page again
        async with other.expect_response(_link_posted) as opened:
            await other.goto(tampered)
        assert (await opened.value).status == 403
        await expect(other.get_by_role("heading", name="This portal link is not valid")).to_be_visible()
        await fresh.close()


class TestOverview:
    async def test_shows_health_charts_and_the_catalog(self, live_hub: LiveHub, page: Page,
                                                       receiver: Receiver) -> None:
        failing, path = await endpoint_for(live_hub.acme, receiver, description="Always down")
        receiver.script[path] = [503] * 10
        await live_hub.acme.post(f"/v1/endpoints/{failing['id']}/test")
        await receiver.wait_for(path, 4)
        await sign_in(page, live_hub, live_hub.acme.key)
        await page.goto(f"{live_hub.url}/portal/endpoints?window=1h")
        row = page.locator("tbody tr", has_text="Always down")
        await until_shown(page, "HTTP 503")
        await expect(row).to_contain_text("0 %")
        await expect(page.locator("svg.chart")).to_have_count(2)
        await screenshot(page, "endpoints", full_page=True)
        await page.get_by_role("link", name="Event catalog").click()
        await page.get_by_role("link", name="deal.won").click()
        section = page.locator("#deal\\.won")
        await section.locator("summary", has_text="Fields of").click()
        await expect(section.get_by_role("row", name="stage string")).to_be_visible()
        await screenshot(page, "catalog")
        await section.locator("summary", has_text="Sample").click()
        await expect(section.locator("pre").first).to_contain_text('"status": "won"')

    async def test_no_page_scrolls_sideways_on_a_phone(self, live_hub: LiveHub, page: Page,
                                                       receiver: Receiver) -> None:
        endpoint, path = await endpoint_for(live_hub.acme, receiver, description="Phone check")
        await live_hub.acme.post(f"/v1/endpoints/{endpoint['id']}/test")
        await receiver.wait_for(path, 1)
        [message] = (await live_hub.acme.get("/v1/messages", params={"endpoint_id": endpoint["id"]})).json()["data"]
        await sign_in(page, live_hub, live_hub.acme.key)
        await page.set_viewport_size(PHONE)
        for url in ("/portal/endpoints", f"/portal/endpoints/{endpoint['id']}", "/portal/endpoints/new",
                    f"/portal/endpoints/{endpoint['id']}/edit", f"/portal/messages/{message['id']}",
                    "/portal/catalog"):
            await page.goto(f"{live_hub.url}{url}")
            await page.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} is {width}px wide on a phone"
