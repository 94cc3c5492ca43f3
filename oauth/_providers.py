"""OAuth providers: the static facts of each authorization server, and the client credentials beside them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from hub.errors import NotFound

__all__ = ["Client", "Provider", "Registry"]

AuthMethod = Literal["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class Provider:
    """What an authorization server is; nothing here belongs to one organization. A connector declares its own
    and contributes it through `Module.provides`."""

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


class Registry:
    """The providers this process knows and the credentials it holds for them; tests add loopback fakes."""

    def __init__(self, providers: Iterable[Provider] = (), clients: dict[str, Client] | None = None) -> None:
        self._providers = {p.key: p for p in providers}
        self._clients = dict(clients or {})

    def register(self, provider: Provider, client: Client | None = None) -> None:
        """Add or replace a provider (and its credentials)."""
        self._providers[provider.key] = provider
        if client is not None:
            self._clients[provider.key] = client

    def keys(self) -> list[str]:
        return sorted(self._providers)

    def get(self, key: str) -> Provider:
        if (provider := self._providers.get(key)) is None:
            raise NotFound(f"No OAuth provider {key!r}; known: {', '.join(sorted(self._providers))}.")
        return provider

    def client(self, key: str) -> Client | None:
        """The credentials for a provider, or None when this hub has none configured."""
        return self._clients.get(key)
