"""A loopback stand-in for Clearbit's Company API, following its documented answers.

`GET /v2/companies/find?domain=` with `Authorization: Bearer <secret key>` (or HTTP Basic, the key as the user
name): 200 with the company record, 202 with no body the first time a `queued` domain is asked for (Clearbit is
still looking it up), 404 `unknown_record`, 422 `invalid_domain`, 401 `auth_required`, and 429 with
`Retry-After` past `per_minute` lookups of one key within a minute, or when a test queues one (`fail_next`).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from connectors._loopback import serve
from connectors.clearbit.client import COMPANY_FIND

__all__ = ["FakeClearbit", "company_record"]

_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)


def company_record(domain: str, name: str, **extra: Any) -> dict[str, Any]:
    """A company record in the Company API's shape, with every field it documents present."""
    record: dict[str, Any] = {
        "id": f"cb-{domain}", "name": name, "legalName": None, "domain": domain, "domainAliases": [],
        "site": {"phoneNumbers": [], "emailAddresses": []},
        "category": {"sector": None, "industryGroup": None, "industry": None, "subIndustry": None,
                     "sicCode": None, "naicsCode": None},
        "tags": [], "description": None, "foundedYear": None, "location": None, "timeZone": None, "utcOffset": None,
        "geo": {"streetNumber": None, "streetName": None, "subPremise": None, "city": None, "postalCode": None,
                "state": None, "stateCode": None, "country": None, "countryCode": None, "lat": None, "lng": None},
        "logo": None, "facebook": {"handle": None}, "linkedin": {"handle": None}, "twitter": {"handle": None},
        "crunchbase": {"handle": None}, "emailProvider": False, "type": "private", "ticker": None, "phone": None,
        "metrics": {"employees": None, "employeesRange": None, "marketCap": None, "raised": None,
                    "annualRevenue": None, "estimatedAnnualRevenue": None, "fiscalYearEnd": None},
        "tech": [], "techCategories": [], "parent": {"domain": None}, "ultimateParent": {"domain": None},
        "indexedAt": "2026-11-30T08:00:00.000Z",
    }
    for key, value in extra.items():
        record[key] = {**record[key], **value} if isinstance(record.get(key), dict) else value
    return record


class FakeClearbit:
    """`keys` are the secret keys it accepts; `companies` its records by domain; a domain in `queued` answers
    202 once; `fail_next` queues statuses to answer first (429 with `retry_after`, 500, 503...)."""

    def __init__(self, *, keys: set[str] | None = None, per_minute: int = 600, retry_after: str = "1") -> None:
        self.keys = set(keys or {"sk_test_clearbit"})
        self.companies: dict[str, dict[str, Any]] = {}
        self.queued: set[str] = set()
        self.fail_next: list[int] = []
        self.per_minute, self.retry_after = per_minute, retry_after
        self.requests: list[tuple[str, str | None]] = []  # domain, key
        self._window: dict[str, list[float]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def add(self, domain: str, name: str, **extra: Any) -> dict[str, Any]:
        self.companies[domain] = company_record(domain, name, **extra)
        return self.companies[domain]

    async def start(self) -> FakeClearbit:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get(COMPANY_FIND, self._find)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @web.middleware
    async def _gate(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        key = _key(request.headers.get("Authorization", ""))
        self.requests.append((request.query.get("domain", ""), key))
        if key is None or key not in self.keys:
            return _error(401, "auth_required", "API key is invalid or missing.")
        if self.fail_next:
            return self._scripted(self.fail_next.pop(0))
        if not self._within_limit(key):
            return self._scripted(429)
        return await handler(request)

    def _within_limit(self, key: str) -> bool:
        now = time.monotonic()
        window = [t for t in self._window.get(key, []) if now - t < 60.0]
        self._window[key] = window + [now]
        return len(window) < self.per_minute

    def _scripted(self, status: int) -> web.Response:
        if status == 429:
            response = _error(429, "rate_limit", "Rate limit exceeded. Retry after the period in Retry-After.")
            response.headers["Retry-After"] = self.retry_after
            return response
        return _error(status, "server_error", "Something went wrong on Clearbit's end.")

    async def _find(self, request: web.Request) -> web.Response:
        domain = request.query.get("domain", "").strip().lower()
        if not _DOMAIN.match(domain):
            return _error(422, "invalid_domain", "Domain is invalid.")
        if domain in self.queued:
            self.queued.discard(domain)
            return web.Response(status=202)
        if domain not in self.companies:
            return _error(404, "unknown_record", "Unknown record.")
        return web.json_response(self.companies[domain])


def _key(header: str) -> str | None:
    if header.startswith("Bearer "):
        return header[7:]
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
    return None
