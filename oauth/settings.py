"""OAuth connections' settings: `HUB_OAUTH_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from hub.settings import ModuleSettings, SettingsError, doc

__all__ = ["OAuthSettings"]


class OAuthSettings(ModuleSettings, kw_only=True, frozen=True):
    """This hub's registrations at OAuth providers."""

    prefix: ClassVar[str] = "oauth"

    clients: Annotated[str, doc(
        'This hub\'s registrations at OAuth providers, JSON: `{"xero": {"client_id": "…", "client_secret": "…"}}`; '
        "a provider without one answers 422 to authorize.")] = ""

    @property
    def credentials(self) -> dict[str, dict[str, str]]:
        """`clients` as {provider: {"client_id", "client_secret"}}."""
        try:
            return msgspec.json.decode(self.clients or "{}", type=dict[str, dict[str, str]])
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise SettingsError(f'{self.var("clients")} must be JSON: {{"<provider>": {{"client_id": …, '
                                '"client_secret": …}}') from None

    def check(self) -> None:
        if any(set(c) != {"client_id", "client_secret"} for c in self.credentials.values()):
            raise SettingsError(f"{self.var('clients')}: each provider needs exactly client_id and client_secret")
