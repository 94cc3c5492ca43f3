"""A thin async client for Clearbit's Company API: one method per remote call, on a configurable base URL.

Clearbit ships no maintained async Python SDK (`clearbit-python` is synchronous `requests` code, archived), so
the one call is made with httpx. 429 and 5xx are retried with backoff (a `Retry-After` is honoured up to
`max_wait`, past which the lookup goes back to the job queue with the wait Clearbit asked for).
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.clearbit.errors import ClearbitError, ClearbitRateLimited, ClearbitUnavailable, api_error
from connectors.clearbit.manifest import PRODUCTION_URL
from hub import outside

__all__ = ["COMPANY_FIND", "ClearbitClient"]


# https://clearbit.com/docs#company-api-domain-lookup (GET, `domain` query parameter, bearer secret key)
COMPANY_FIND = "/v2/companies/find"


class ClearbitClient:
    """The Company API for one organization's key, over an HTTP client the caller owns."""

    def __init__(self, http: httpx.AsyncClient, api_key: str, *, base_url: str = PRODUCTION_URL,
                 attempts: int = 3, backoff: float = 0.5, max_wait: float = 10.0) -> None:
        self._http, self._key, self._base = http, api_key, base_url.rstrip("/")
        self.attempts, self.backoff, self.max_wait = attempts, backoff, max_wait

    async def find_company(self, domain: str) -> dict[str, Any] | None:
        """The company at `domain`, or None when Clearbit knows none (404)."""
        retrying = outside.retrying(attempts=self.attempts, backoff=self.backoff, max_wait=self.max_wait,
                                    log_event="clearbit.lookup.retrying", limited=ClearbitRateLimited)
        async for attempt in retrying:
            with attempt:
                return await self._find(domain)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find(self, domain: str) -> dict[str, Any] | None:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        try:
            response = await self._http.get(self._base + COMPANY_FIND, params={"domain": domain}, headers=headers)
        except httpx.TransportError as exc:
            raise ClearbitUnavailable(f"Clearbit could not be reached ({type(exc).__name__})", status=None) from None
        if response.status_code == 404:
            return None
        if response.status_code == 200:
            body = outside.json_or_none(response)
            if isinstance(body, dict):
                return body
        raise _error(response)


def _error(response: httpx.Response) -> ClearbitError:
    """The error that the status and Clearbit's `{"error": {"type", "message"}}` body name."""
    body = outside.json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    error_type = error.get("type") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    text = f"Clearbit answered HTTP {response.status_code}" + (f": {message}" if message else "")
    return api_error(text[:300], status=response.status_code, error_type=error_type,
                     retry_after=outside.retry_after_seconds(response.headers.get("Retry-After")))
