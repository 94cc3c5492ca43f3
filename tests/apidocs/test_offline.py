"""`/schema/swagger` and `/schema/redoc` render the hub's operations in Chromium with every request off the
hub's own origin blocked: their scripts and styles come from the hub."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.webhooks.portal.conftest import LiveHub, screenshot
from tests.webhooks.portal.conftest import browser, chromium, live_hub, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("chromium")


async def _offline(page: Any, hub: LiveHub) -> list[str]:
    """Abort every request to another origin, as a firewall would; answers the URLs that were tried."""
    own, blocked = urlsplit(str(hub.http.base_url)).netloc, []

    async def handler(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc == own:
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort()

    await page.route("**/*", handler)
    return blocked


class TestOfflineDocs:
    async def test_swagger_renders_the_operations_from_the_hubs_own_assets(self, live_hub: LiveHub,
                                                                         page: Any) -> None:
        blocked = await _offline(page, live_hub)
        await page.goto(f"{live_hub.http.base_url}/schema/swagger", timeout=60_000)
        await page.locator(".opblock-summary-path", has_text="/v1/contacts").first.wait_for(timeout=30_000)
        assert await page.locator(".opblock").count() > 50
        assert blocked == []
        await screenshot(page, "api-docs-swagger", height=860)

    async def test_redoc_renders_the_operations_from_the_hubs_own_assets(self, live_hub: LiveHub,
                                                                       page: Any) -> None:
        blocked = await _offline(page, live_hub)
        await page.goto(f"{live_hub.http.base_url}/schema/redoc", timeout=60_000)
        await page.locator("h2", has_text="List contacts").first.wait_for(timeout=30_000)
        assert await page.locator("h2").count() > 50  # one heading per operation
        assert blocked == []
        await screenshot(page, "api-docs-redoc", height=860)

    async def test_the_pages_name_no_outside_host(self, live_hub: LiveHub) -> None:
        for path in ("/schema/swagger", "/schema/redoc"):
            html = (await live_hub.http.get(path)).text
            head = html.split("</head>")[0]
            assert "https://" not in head and "/schema/assets/" in head
        asset = await live_hub.http.get("/schema/assets/redoc.js")
        assert asset.status_code == 200 and len(asset.content) > 100_000 and b"cdn.redoc.ly" not in asset.content
        assert (await live_hub.http.get("/schema/assets/swagger/../../../etc/passwd")).status_code == 404
