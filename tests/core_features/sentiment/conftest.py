"""Fixtures of the sentiment page tests: the portal, a live hub and Chromium."""

from tests.webhooks.portal.conftest import (browser, chromium, live_hub, open_portal, page,  # noqa: F401 (fixtures)
                                            portal)
