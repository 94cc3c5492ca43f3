"""A thin async client for Clearbit's Company API: one method per remote call, on a configurable base URL.

Clearbit ships no maintained async Python SDK (`clearbit-python` is synchronous `requests` code, archived), so
the one call is made with httpx. 429 and 5xx are retried with backoff (a `Retry-After` is honoured up to
`max_wait`, past which the lookup goes back to the job queue with the wait Clearbit asked for).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_exponential

from connectors.clearbit.errors import ClearbitError, ClearbitRateLimited, ClearbitUnavailable, api_error
from connectors.clearbit.manifest import PRODUCTION_URL

__all__ = ["COMPANY_FIND", "ClearbitClient", "retry_after"]

log = structlog.get_logger("connectors.clearbit")

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
        retrying = AsyncRetrying(stop=stop_after_attempt(self.attempts), wait=self._wait, reraise=True,
                                 retry=self._retryable, before_sleep=_log_retry)
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
            body = _json(response)
            if isinstance(body, dict):
                return body
        raise _error(response)

    def _retryable(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ClearbitRateLimited):  # a wait longer than we hold a job for goes back to the queue
            return exc.retry_after is None or exc.retry_after <= self.max_wait
        return isinstance(exc, ClearbitUnavailable)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ClearbitRateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_wait)
        return wait_exponential(multiplier=self.backoff, max=self.max_wait)(state)


def _error(response: httpx.Response) -> ClearbitError:
    """The error that the status and Clearbit's `{"error": {"type", "message"}}` body name."""
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    error_type = error.get("type") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    text = f"Clearbit answered HTTP {response.status_code}" + (f": {message}" if message else "")
    return api_error(text[:300], status=response.status_code, error_type=error_type,
                     retry_after=retry_after(response.headers.get("Retry-After")))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` of delta-seconds (None when absent or not a number)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("clearbit.lookup.retrying", attempt=state.attempt_number, status=getattr(exc, "status", None),
                error=type(exc).__name__)
