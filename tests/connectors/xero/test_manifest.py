"""The connector's static facts and public surface."""

from __future__ import annotations

from pathlib import Path

from connectors import xero
from connectors.xero.manifest import MANIFEST, OAUTH

FIXTURES = Path(xero.__file__).parent / "fixtures"


class TestManifest:
    def test_asks_for_the_scopes_the_oauth_provider_declares(self) -> None:
        provider = OAUTH
        assert provider.key == MANIFEST.oauth_provider
        assert set(MANIFEST.scopes) == set(provider.scopes)
        assert "offline_access" in MANIFEST.scopes and "accounting.transactions" not in MANIFEST.scopes

    def test_declares_xero_hosts_and_limits(self) -> None:
        assert MANIFEST.allowed_hosts == ("api.xero.com", "identity.xero.com")
        assert (MANIFEST.limits.per_minute, MANIFEST.limits.concurrent) == (60, 5)

    def test_every_trigger_sample_is_a_fixture_and_every_fixture_is_known(self) -> None:
        samples = {s for t in MANIFEST.triggers for s in t.samples}
        assert all((FIXTURES / s).is_file() for s in samples)
        assert {p.name for p in FIXTURES.iterdir()} == samples | {"intent_to_receive.json"}

    def test_public_surface(self) -> None:
        assert sorted(xero.__all__) == sorted([
            "AuthFailed", "Change", "MANIFEST", "NotFound", "RateLimited", "TokenSource", "Unavailable",
            "ValidationFailed", "Verdict", "XeroClient", "XeroError", "from_refresher", "parse_xero_date",
            "receive", "verify"])

    def test_every_action_is_a_client_method(self) -> None:
        assert all(callable(getattr(xero.XeroClient, action.call or "", None)) for action in MANIFEST.actions)
