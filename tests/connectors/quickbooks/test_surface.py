"""The connector's public surface and static facts, locked."""

from __future__ import annotations

import connectors.quickbooks as package
from connectors.quickbooks import errors
from connectors.quickbooks.client import QuickBooksClient
from connectors.quickbooks.manifest import MANIFEST, OAUTH


class TestSurface:
    def test_public_names(self) -> None:
        assert sorted(package.__all__) == sorted([
            "AuthFailed", "BadPayload", "BadSignature", "Change", "InboundError", "MANIFEST", "NotFound",
            "QuickBooksClient", "QuickBooksError", "RateLimited", "StaleObject", "TokenSource", "Unavailable",
            "ValidationFault", "receive"])

    def test_every_error_descends_from_the_base_and_has_a_label(self) -> None:
        for name in errors.__all__:
            error = getattr(errors, name)
            assert issubclass(error, errors.QuickBooksError)
            assert error.label in ("user-error", "rate-limit", "failure")


class TestManifest:
    def test_oauth_provider_and_scopes_match_the_declared_provider(self) -> None:
        provider = OAUTH
        assert provider.key == MANIFEST.oauth_provider
        assert set(MANIFEST.scopes) <= set(provider.scopes) and provider.account_param == "realmId"

    def test_base_urls_are_on_allowed_hosts(self) -> None:
        hosts = {url.removeprefix("https://") for url in MANIFEST.base_urls.values()}
        assert hosts == set(MANIFEST.allowed_hosts)

    def test_every_action_is_a_client_method(self) -> None:
        assert all(callable(getattr(QuickBooksClient, action.call or "", None)) for action in MANIFEST.actions)
