"""A thin async client for Hunter's API v2: one method per remote call, on a configurable base URL.

Hunter's own Python package (`pyhunter`) is synchronous and sends the key in the query string, where access
logs keep it; the call is made with httpx and the key sent in the `X-API-KEY` header Hunter also accepts.
429 (quota) and 403 (rate) and 5xx are retried with backoff, a `Retry-After` honoured up to `max_wait`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_exponential

from connectors.hunter.errors import HunterError, HunterRateLimited, HunterUnavailable, api_error
from connectors.hunter.manifest import PRODUCTION_URL

__all__ = ["DOMAIN_SEARCH", "HunterClient"]

log = structlog.get_logger("connectors.hunter")

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
        retrying = AsyncRetrying(stop=stop_after_attempt(self.attempts), wait=self._wait, reraise=True,
                                 retry=self._retryable, before_sleep=_log_retry)
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
        body = _json(response)
        if response.status_code == 200 and isinstance(body, dict) and isinstance(body.get("data"), dict):
            return body["data"]
        if response.status_code == 404:
            return None
        raise _error(response, body)

    def _retryable(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HunterRateLimited):  # a wait longer than we hold a job for goes back to the queue
            return exc.retry_after is None or exc.retry_after <= self.max_wait
        return isinstance(exc, HunterUnavailable)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HunterRateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_wait)
        return wait_exponential(multiplier=self.backoff, max=self.max_wait)(state)


def _error(response: httpx.Response, body: Any) -> HunterError:
    """The error that the status and Hunter's `{"errors": [{"id", "code", "details"}]}` envelope name."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    details = first.get("details")
    text = f"Hunter answered HTTP {response.status_code}" + (f": {details}" if details else "")
    return api_error(text[:300], status=response.status_code, error_id=first.get("id"),
                     retry_after=_seconds(response.headers.get("Retry-After")))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("hunter.search.retrying", attempt=state.attempt_number, status=getattr(exc, "status", None),
                error=type(exc).__name__)
