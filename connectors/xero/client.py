"""A thin async client of Xero's Accounting API: one method per remote call, paced and retried."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from connectors.xero._limiter import TenantLimiter
from connectors.xero.errors import AuthFailed, NotFound, RateLimited, Unavailable, ValidationFailed, XeroError
from connectors.xero.manifest import (
    CONNECTIONS,
    CONTACTS,
    IDEMPOTENCY_KEY_MAX,
    INVOICES,
    MANIFEST,
    TENANT_HEADER,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from oauth._refresh import Refresher

__all__ = ["TokenSource", "XeroClient", "from_refresher", "parse_xero_date"]

log = structlog.get_logger("connectors.xero")
_NO_TENANT = ""  # /connections is not an accounting call; it is paced on its own


class TokenSource(Protocol):
    """Gives a bearer token; `rejected` names one Xero just refused, so a new one is issued."""

    def __call__(self, rejected: str | None) -> Awaitable[str]: ...


def from_refresher(refresher: Refresher, sessions: async_sessionmaker[AsyncSession],
                   connection_id: str) -> TokenSource:
    """A token source backed by the hub's one refresher for a stored connection."""
    async def token(rejected: str | None) -> str:
        return await refresher.access_token(sessions, connection_id, rejected=rejected)
    return token


_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def parse_xero_date(value: str) -> datetime:
    """Read Xero's `/Date(1518685950940+0000)/` (or an ISO string) as an aware UTC datetime."""
    if match := _MS_DATE.fullmatch(value):
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class XeroClient:
    """Talks to `base_url` (the real API or the loopback fake) with tokens from `token`."""

    def __init__(self, token: TokenSource, *, base_url: str = MANIFEST.base_url,
                 http: httpx.AsyncClient | None = None, limiter: TenantLimiter | None = None,
                 attempts: int = 4, max_retry_after: float = 60.0, backoff: float = 0.5,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, timeout: float = 30.0) -> None:
        self._token, self._sleep = token, sleep
        self._base = base_url.rstrip("/")
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._limiter = limiter or TenantLimiter(per_minute=MANIFEST.limits.per_minute or 60,
                                                 concurrent=MANIFEST.limits.concurrent or 5, sleep=sleep)
        self.attempts, self.max_retry_after, self.backoff = attempts, max_retry_after, backoff

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    # -- one method per remote call -------------------------------------------------------------

    async def connections(self) -> list[dict[str, Any]]:
        """The organisations (tenants) this token may reach: GET /connections."""
        return await self._call("GET", CONNECTIONS, tenant=None)

    async def find_contact(self, tenant: str, *, name: str | None = None,
                           email: str | None = None) -> dict[str, Any] | None:
        """The first contact whose name or email equals the one given exactly, or None."""
        field, value = ("EmailAddress", email) if email is not None else ("Name", name)
        if value is None:
            raise ValueError("find_contact needs a name or an email")
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        body = await self._call("GET", CONTACTS, tenant=tenant, params={"where": f'{field}=="{quoted}"'})
        return next(iter(body.get("Contacts") or []), None)

    async def create_contact(self, tenant: str, contact: dict[str, Any], *,
                             idempotency_key: str) -> dict[str, Any]:
        """Create one contact (PUT /Contacts); `contact` uses Xero's field names (Name, EmailAddress, ...)."""
        body = await self._call("PUT", CONTACTS, tenant=tenant, json={"Contacts": [contact]},
                                idempotency_key=idempotency_key)
        return body["Contacts"][0]

    async def update_contact(self, tenant: str, contact_id: str, changes: dict[str, Any], *,
                             idempotency_key: str) -> dict[str, Any]:
        """Change fields of one contact (POST /Contacts/{id}); `changes` uses Xero's field names."""
        body = await self._call("POST", f"{CONTACTS}/{contact_id}", tenant=tenant,
                                json={"Contacts": [{**changes, "ContactID": contact_id}]},
                                idempotency_key=idempotency_key)
        return body["Contacts"][0]

    async def create_invoice(self, tenant: str, *, contact_id: str, line_items: list[dict[str, Any]],
                             currency: str, due_date: date, reference: str, idempotency_key: str,
                             issued: date | None = None, status: str = "AUTHORISED") -> dict[str, Any]:
        """Create one sales invoice (PUT /Invoices, Type ACCREC, amounts exclusive of tax)."""
        invoice = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": line_items,
                   "CurrencyCode": currency, "DueDate": due_date.isoformat(), "Reference": reference,
                   "LineAmountTypes": "Exclusive", "Status": status}
        if issued is not None:
            invoice["Date"] = issued.isoformat()
        body = await self._call("PUT", INVOICES, tenant=tenant, json={"Invoices": [invoice]},
                                idempotency_key=idempotency_key)
        return body["Invoices"][0]

    async def update_invoice(self, tenant: str, invoice_id: str, changes: dict[str, Any], *,
                             idempotency_key: str) -> dict[str, Any]:
        """Change fields of one invoice (POST /Invoices/{id}); `changes` uses Xero's field names."""
        body = await self._call("POST", f"{INVOICES}/{invoice_id}", tenant=tenant,
                                json={"Invoices": [{**changes, "InvoiceID": invoice_id}]},
                                idempotency_key=idempotency_key)
        return body["Invoices"][0]

    async def get_invoice(self, tenant: str, invoice_id: str) -> dict[str, Any]:
        """One invoice by id (GET /Invoices/{id})."""
        body = await self._call("GET", f"{INVOICES}/{invoice_id}", tenant=tenant)
        return body["Invoices"][0]

    # -- the one request path: retry, pace, authenticate, map errors -----------------------------

    async def _call(self, method: str, path: str, *, tenant: str | None, idempotency_key: str | None = None,
                    **kwargs: Any) -> Any:
        if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
            raise ValueError(f"Idempotency-Key must be 1..{IDEMPOTENCY_KEY_MAX} characters")
        headers = {"Accept": "application/json"}
        if tenant is not None:
            headers[TENANT_HEADER] = tenant
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        retrying = AsyncRetrying(stop=stop_after_attempt(self.attempts), retry=self._worth_retrying,
                                 wait=self._wait, sleep=self._sleep, reraise=True,
                                 before_sleep=lambda state: _log_retry(state, method, path, tenant))
        async for attempt in retrying:
            with attempt:
                response = await self._authorised(method, path, tenant, headers, kwargs)
        return response.json()

    async def _authorised(self, method: str, path: str, tenant: str | None, headers: dict[str, str],
                          kwargs: dict[str, Any]) -> httpx.Response:
        """Send with the current token; on 401 ask for a new one exactly once and send again."""
        token = await self._token(None)
        response = await self._send(method, path, tenant, headers, token, kwargs)
        if response.status_code == 401:
            log.info("xero.token.rejected", tenant=tenant, path=path)
            token = await self._token(token)
            response = await self._send(method, path, tenant, headers, token, kwargs)
            if response.status_code == 401:
                raise AuthFailed("Xero refused a freshly issued token; authorise the connection again",
                                 status=401)
        _raise_for(response)
        return response

    async def _send(self, method: str, path: str, tenant: str | None, headers: dict[str, str], token: str,
                    kwargs: dict[str, Any]) -> httpx.Response:
        async with self._limiter.slot(tenant or _NO_TENANT):
            try:
                return await self._http.request(method, self._base + path,
                                                headers={**headers, "Authorization": f"Bearer {token}"},
                                                **kwargs)
            except httpx.TransportError as exc:
                # `from None`: the request object on the cause carries the Authorization header.
                raise Unavailable(f"Xero could not be reached ({type(exc).__name__})") from None

    def _worth_retrying(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return exc.retry_after <= self.max_retry_after  # a day limit is not worth waiting for here
        return isinstance(exc, Unavailable)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return exc.retry_after
        return self.backoff * 2 ** (state.attempt_number - 1)


def _log_retry(state: RetryCallState, method: str, path: str, tenant: str | None) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("xero.request.retried", method=method, path=path, tenant=tenant,
                attempt=state.attempt_number, status=getattr(exc, "status", None),
                problem=getattr(exc, "problem", None))


def _raise_for(response: httpx.Response) -> None:
    """Map an error answer onto the exception tree; success passes through."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise RateLimited("Xero's rate limit was reached", retry_after=_retry_after(response),
                          problem=response.headers.get("X-Rate-Limit-Problem"))
    if status >= 500:
        raise Unavailable(f"Xero answered HTTP {status}", status=status)
    if status == 400:
        raise ValidationFailed(_validation_messages(response))
    if status == 404:
        raise NotFound("Xero has no such resource in that organisation", status=404)
    raise XeroError(f"Xero answered HTTP {status}", status=status)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def _validation_messages(response: httpx.Response) -> list[str]:
    """Every ValidationErrors[].Message under Elements, else Xero's top-level Message."""
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP 400: {response.text[:200]}"]
    messages = [error.get("Message", "") for element in body.get("Elements") or []
                for error in element.get("ValidationErrors") or []]
    return messages or [str(body.get("Message", "HTTP 400"))]
