"""A thin async client for Hunter's API v2: one method per remote call, on a configurable base URL.

Hunter's own Python package (`pyhunter`) is synchronous and sends the key in the query string, where access
logs keep it; the call is made with httpx and the key sent in the `X-API-KEY` header Hunter also accepts.
429 (quota) and 403 (rate) and 5xx are retried with backoff, a `Retry-After` honoured up to `max_wait`.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.hunter.errors import HunterError, HunterRateLimited, HunterUnavailable, api_error
from connectors.hunter.manifest import PRODUCTION_URL
from hub import outside

__all__ = ["DOMAIN_SEARCH", "HunterClient"]


# https://hunter.io/api-documentation/v2#domain-search (GET; domain or company, limit <= 100, offset, type...)
DOMAIN_SEARCH = "/v2/domain-search"


class HunterClient:
    """Hunter's API for one organization's key, over an HTTP client the caller owns."""

    def __init__(self, http: httpx.AsyncClient, api_key: str, *, base_url: str = PRODUCTION_URL,
                 attempts: int = 3, backoff: float = 0.5, max_wait: float = 10.0) -> None:
        self._http, self._key, self._base = http, api_key, base_url.rstrip("/")
        self.attempts, self.backoff, self.max_wait = attempts, backoff, max_wait

    async def domain_search(self, domain: str, *, limit: int = 10) -> dict[str, Any] | None:
        """The `data` of a domain search: the organization, its email pattern and addresses (None: unknown)."""
        retrying = outside.retrying(attempts=self.attempts, backoff=self.backoff, max_wait=self.max_wait,
                                    log_event="hunter.search.retrying", limited=HunterRateLimited)
        async for attempt in retrying:
            with attempt:
                return await self._search(domain, limit)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _search(self, domain: str, limit: int) -> dict[str, Any] | None:
        headers = {"X-API-KEY": self._key, "Accept": "application/json"}
        try:
            response = await self._http.get(self._base + DOMAIN_SEARCH, params={"domain": domain, "limit": limit},
                                            headers=headers)
        except httpx.TransportError as exc:
            raise HunterUnavailable(f"Hunter could not be reached ({type(exc).__name__})", status=None) from None
        body = outside.json_or_none(response)
        if response.status_code == 200 and isinstance(body, dict) and isinstance(body.get("data"), dict):
            return body["data"]
        if response.status_code == 404:
            return None
        raise _error(response, body)


def _error(response: httpx.Response, body: Any) -> HunterError:
    """The error that the status and Hunter's `{"errors": [{"id", "code", "details"}]}` envelope name."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    details = first.get("details")
    text = f"Hunter answered HTTP {response.status_code}" + (f": {details}" if details else "")
    return api_error(text[:300], status=response.status_code, error_id=first.get("id"),
                     retry_after=outside.retry_after_seconds(response.headers.get("Retry-After")))
