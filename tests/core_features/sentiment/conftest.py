"""Fixtures of the sentiment tests: the model loaded once for the run, the portal, a live hub and Chromium."""

import pytest

from core_features.sentiment.scorer import Scorer
from tests.webhooks.portal.conftest import (browser, chromium, live_hub, open_portal, page,  # noqa: F401 (fixtures)
                                            portal)


@pytest.fixture(scope="session", autouse=True)
def _model_loaded() -> None:
    """Read the shipped model before the first test, so no test's wait for its jobs includes the loading."""
    assert Scorer("blend").model.name == "blend"
