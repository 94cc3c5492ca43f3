"""OAuth providers: the static facts of each authorization server, and the client credentials beside them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from hub.errors import NotFound

__all__ = ["Client", "PROVIDERS", "Provider", "Registry"]

AuthMethod = Literal["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class Provider:
    """What an authorization server is; nothing here belongs to one organization."""

    key: str
    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    revocation_url: str | None = None
    authorize_params: dict[str, str] = field(default_factory=dict)
    token_auth: AuthMethod = "client_secret_basic"
    rotates_refresh_tokens: bool = True
    account_param: str | None = None  # callback query parameter naming the connected account

    def at(self, base_url: str) -> Provider:
        """The same provider with every endpoint moved under `base_url` (a loopback stand-in)."""
        base = base_url.rstrip("/")
        return replace(self, authorize_url=f"{base}/authorize", token_url=f"{base}/token",
                       revocation_url=f"{base}/revoke" if self.revocation_url else None)


@dataclass(frozen=True)
class Client:
    """This hub's registration at a provider."""

    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"Client(client_id={self.client_id!r}, client_secret=[redacted])"


# https://developer.intuit.com/.well-known/openid_configuration/ : access tokens live 60 min, refresh tokens
# roll (always store the latest one returned); `realmId` on the callback names the company.
QUICKBOOKS = Provider(
    key="quickbooks", name="QuickBooks Online",
    authorize_url="https://appcenter.intuit.com/connect/oauth2",
    token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    revocation_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    scopes=("com.intuit.quickbooks.accounting",), account_param="realmId",
)

# https://developer.xero.com/documentation/guides/oauth2/auth-flow : access tokens live 30 min; each refresh
# returns a new refresh token (the old one has a 30 min grace); `offline_access` is what grants refresh tokens.
XERO = Provider(
    key="xero", name="Xero",
    authorize_url="https://login.xero.com/identity/connect/authorize",
    token_url="https://identity.xero.com/connect/token",
    revocation_url="https://identity.xero.com/connect/revocation",
    scopes=("openid", "profile", "email", "offline_access", "accounting.invoices", "accounting.contacts"),
)

PROVIDERS: dict[str, Provider] = {p.key: p for p in (QUICKBOOKS, XERO)}


class Registry:
    """The providers this process knows and the credentials it holds for them; tests add loopback fakes."""

    def __init__(self, providers: dict[str, Provider] | None = None,
                 clients: dict[str, Client] | None = None) -> None:
        self._providers = dict(PROVIDERS if providers is None else providers)
        self._clients = dict(clients or {})

    def register(self, provider: Provider, client: Client | None = None) -> None:
        """Add or replace a provider (and its credentials)."""
        self._providers[provider.key] = provider
        if client is not None:
            self._clients[provider.key] = client

    def get(self, key: str) -> Provider:
        if (provider := self._providers.get(key)) is None:
            raise NotFound(f"No OAuth provider {key!r}; known: {', '.join(sorted(self._providers))}.")
        return provider

    def client(self, key: str) -> Client | None:
        """The credentials for a provider, or None when this hub has none configured."""
        return self._clients.get(key)
