"""A loopback stand-in for Hunter's API v2 domain search, following its documented answers.

`GET /v2/domain-search?domain=&limit=&offset=` with the key as `api_key` in the query, an `X-API-KEY` header or
a bearer token. Success is `{"data": {...}, "meta": {"results", "limit", "offset", "params"}}`; a domain it
knows nothing of answers 200 with empty data, as Hunter does. Errors are `{"errors": [{"id", "code",
"details"}]}`: 400 `wrong_params`, 401 `authentication_failed`, 403 `too_many_requests` past `per_second`
calls of one key within a second, 429 `too_many_requests` once the plan's `searches` are used up, and any
status a test queues in `fail_next`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from connectors._loopback import serve
from connectors.hunter.client import DOMAIN_SEARCH

__all__ = ["FakeHunter", "search_data"]


def _error(status: int, error_id: str, details: str) -> web.Response:
    return web.json_response({"errors": [{"id": error_id, "code": status, "details": details}]}, status=status)


def search_data(domain: str, organization: str | None = None, **extra: Any) -> dict[str, Any]:
    """A domain search's `data` in Hunter's shape, with every field it documents present."""
    data: dict[str, Any] = {
        "domain": domain, "disposable": False, "webmail": False, "accept_all": False, "pattern": None,
        "organization": organization, "description": None, "industry": None, "twitter": None, "facebook": None,
        "linkedin": None, "instagram": None, "youtube": None, "technologies": [], "country": None, "state": None,
        "city": None, "postal_code": None, "street": None, "headcount": None, "company_type": None, "emails": [],
        "linked_domains": [],
    }
    return {**data, **extra}


class FakeHunter:
    """`keys` are the API keys it accepts; `domains` its search data by domain; `searches` the plan's quota;
    `fail_next` queues statuses to answer first (429, 403, 500...), with `retry_after` on 429 and 403."""

    def __init__(self, *, keys: set[str] | None = None, per_second: int = 15, searches: int = 1_000_000,
                 retry_after: str = "1") -> None:
        self.keys = set(keys or {"hunter_test_key"})
        self.domains: dict[str, dict[str, Any]] = {}
        self.fail_next: list[int] = []
        self.per_second, self.searches, self.retry_after = per_second, searches, retry_after
        self.requests: list[tuple[str, str | None]] = []  # domain, key
        self._window: dict[str, list[float]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def add(self, domain: str, organization: str, **extra: Any) -> dict[str, Any]:
        self.domains[domain] = search_data(domain, organization, **extra)
        return self.domains[domain]

    async def start(self) -> FakeHunter:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get(DOMAIN_SEARCH, self._search)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @web.middleware
    async def _gate(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        key = _key(request)
        self.requests.append((request.query.get("domain", ""), key))
        if key is None or key not in self.keys:
            return _error(401, "authentication_failed", "No user found for the API key supplied")
        if self.fail_next:
            return self._limited(self.fail_next.pop(0))
        if not self._within_rate(key):
            return self._limited(403)
        return await handler(request)

    def _within_rate(self, key: str) -> bool:
        now = time.monotonic()
        window = [t for t in self._window.get(key, []) if now - t < 1.0]
        self._window[key] = window + [now]
        return len(window) < self.per_second

    def _limited(self, status: int) -> web.Response:
        if status not in (403, 429):
            return _error(status, "internal_error", "Something went wrong on our end")
        details = ("You have reached your monthly quota of searches" if status == 429
                   else "You have reached the rate limit of requests")
        response = _error(status, "too_many_requests", details)
        response.headers["Retry-After"] = self.retry_after
        return response

    async def _search(self, request: web.Request) -> web.Response:
        domain = request.query.get("domain", "").strip().lower()
        if not domain and not request.query.get("company"):
            return _error(400, "wrong_params", "You are missing the domain parameter")
        try:
            limit, offset = int(request.query.get("limit", "10")), int(request.query.get("offset", "0"))
        except ValueError:
            return _error(400, "wrong_params", "limit and offset must be integers")
        if not 1 <= limit <= 100:
            return _error(400, "wrong_params", "The limit must be between 1 and 100")
        if self.searches <= 0:
            return self._limited(429)
        self.searches -= 1
        data = self.domains.get(domain) or search_data(domain)
        page = {**data, "emails": data["emails"][offset:offset + limit]}
        meta = {"results": len(data["emails"]), "limit": limit, "offset": offset,
                "params": {"domain": domain, "company": None, "type": None, "seniority": None, "department": None}}
        return web.json_response({"data": page, "meta": meta})


def _key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return request.query.get("api_key") or request.headers.get("X-API-KEY") or (
        auth[7:] if auth.startswith("Bearer ") else None)
