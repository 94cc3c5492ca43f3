"""A thin async client for the QuickBooks Online Accounting API: one method per remote call.

Bodies go in and come out as Intuit's own JSON (dicts); mapping to hub records belongs to the caller.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, Protocol, Self

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from connectors.quickbooks.errors import (
    AuthFailed,
    NotFound,
    QuickBooksError,
    RateLimited,
    StaleObject,
    Unavailable,
    ValidationFault,
)
from connectors.quickbooks.manifest import MINOR_VERSION, PRODUCTION_URL

__all__ = ["COMPANY", "CUSTOMER", "INVOICE", "PAYMENT", "QUERY", "QuickBooksClient", "TokenSource", "oauth_tokens", "quote"]

log = structlog.get_logger("connectors.quickbooks")

# https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features (paths under the company)
COMPANY = "/v3/company/{realm_id}"
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
CUSTOMER = COMPANY + "/customer"
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
INVOICE = COMPANY + "/invoice"
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment
PAYMENT = COMPANY + "/payment"
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
QUERY = COMPANY + "/query"

STALE_OBJECT = "5010"
OBJECT_NOT_FOUND = "610"


class TokenSource(Protocol):
    """Gives a valid access token; `rejected` names the one QuickBooks just refused, to replace it."""

    def __call__(self, rejected: str | None) -> Awaitable[str]: ...


def oauth_tokens(oauth: Any, sessions: Any, connection_id: str) -> TokenSource:
    """The token source for one connection, from the hub's one refresher (`oauth.service.OAuth`)."""
    async def token(rejected: str | None) -> str:
        return await oauth.access_token(sessions, connection_id, rejected=rejected)
    return token


def quote(value: str) -> str:
    """A string literal for Intuit's query language (a quote inside is escaped with a backslash)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QuickBooksClient:
    """Calls one company (`realm_id`); retries 429 and 5xx, and replaces a refused token once."""

    def __init__(self, realm_id: str, token: TokenSource, *, base_url: str = PRODUCTION_URL,
                 http: httpx.AsyncClient | None = None, minor_version: int = MINOR_VERSION,
                 attempts: int = 4, backoff: float = 1.0, max_wait: float = 60.0, timeout: float = 30.0) -> None:
        self.realm_id, self._token, self.minor_version = realm_id, token, minor_version
        self._base = base_url.rstrip("/")
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self.attempts, self.backoff, self.max_wait = attempts, backoff, max_wait

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the remote calls
    async def find_customers(self, display_name: str) -> list[dict[str, Any]]:
        """Customers whose DisplayName is exactly `display_name` (unique per company, so 0 or 1)."""
        query = f"select * from Customer where DisplayName = {quote(display_name)}"
        body = await self._call("GET", QUERY, params={"query": query})
        return body.get("QueryResponse", {}).get("Customer", [])

    async def create_customer(self, customer: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        """Create a customer; the same `request_id` answers the first creation again."""
        return (await self._call("POST", CUSTOMER, payload=customer, request_id=request_id))["Customer"]

    async def read_customer(self, customer_id: str) -> dict[str, Any]:
        return (await self._call("GET", f"{CUSTOMER}/{customer_id}"))["Customer"]

    async def update_customer(self, customer_id: str, sync_token: str, changes: dict[str, Any], *,
                              request_id: str) -> dict[str, Any]:
        """Sparse update: only `changes` are touched; raises StaleObject if `sync_token` is not current."""
        body = {**changes, "Id": customer_id, "SyncToken": sync_token, "sparse": True}
        return (await self._call("POST", CUSTOMER, payload=body, request_id=request_id))["Customer"]

    async def create_invoice(self, invoice: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        """Create an invoice (CustomerRef and at least one Line required)."""
        return (await self._call("POST", INVOICE, payload=invoice, request_id=request_id))["Invoice"]

    async def read_invoice(self, invoice_id: str) -> dict[str, Any]:
        return (await self._call("GET", f"{INVOICE}/{invoice_id}"))["Invoice"]

    async def update_invoice(self, invoice_id: str, sync_token: str, changes: dict[str, Any], *,
                             request_id: str) -> dict[str, Any]:
        """Sparse update: only `changes` are touched; raises StaleObject if `sync_token` is not current."""
        body = {**changes, "Id": invoice_id, "SyncToken": sync_token, "sparse": True}
        return (await self._call("POST", INVOICE, payload=body, request_id=request_id))["Invoice"]

    async def read_payment(self, payment_id: str) -> dict[str, Any]:
        return (await self._call("GET", f"{PAYMENT}/{payment_id}"))["Payment"]

    # -- the plumbing, declared once for every call
    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
                    payload: dict[str, Any] | None = None, request_id: str | None = None) -> dict[str, Any]:
        url = self._base + path.format(realm_id=self.realm_id)
        query = {**(params or {}), "minorversion": str(self.minor_version)}
        if request_id is not None:
            query["requestid"] = request_id
        retrying = AsyncRetrying(stop=stop_after_attempt(self.attempts), wait=self._wait, reraise=True,
                                 retry=retry_if_exception_type((RateLimited, Unavailable)),
                                 before_sleep=self._log_retry)
        async for attempt in retrying:
            with attempt:
                return await self._authorized(method, url, query, payload)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _authorized(self, method: str, url: str, query: dict[str, str],
                          payload: dict[str, Any] | None) -> dict[str, Any]:
        token = await self._token(rejected=None)
        response = await self._send(method, url, query, payload, token)
        if response.status_code == 401:
            response = await self._send(method, url, query, payload, await self._token(rejected=token))
        return _answer(response)

    async def _send(self, method: str, url: str, query: dict[str, str], payload: dict[str, Any] | None,
                    token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return await self._http.request(method, url, params=query, json=payload, headers=headers)
        except httpx.TransportError as exc:
            raise Unavailable(f"QuickBooks could not be reached ({type(exc).__name__})") from None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_wait)
        return wait_exponential(multiplier=self.backoff, max=self.max_wait)(state)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("quickbooks.call.retrying", realm_id=self.realm_id, attempt=state.attempt_number,
                    status=getattr(exc, "status", None), error=type(exc).__name__)


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a success, or the error that the status and Intuit's Fault name."""
    status = response.status_code
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if 200 <= status < 300 and isinstance(body, dict):
        return body
    message, code, fault_type = _fault(body)
    kw = {"status": status, "code": code, "fault_type": fault_type}
    if status == 429:
        raise RateLimited(message, retry_after=_retry_after(response), **kw)
    if status in (401, 403):  # 403: the signed-in user may not use this company's accounting data
        raise AuthFailed(message, **kw)
    if status >= 500 or (200 <= status < 300):
        raise Unavailable(message if body else f"QuickBooks answered HTTP {status} without a JSON body", **kw)
    if code == STALE_OBJECT:
        raise StaleObject(message, **kw)
    if code == OBJECT_NOT_FOUND or status == 404:
        raise NotFound(message, **kw)
    if fault_type == "ValidationFault":
        raise ValidationFault(message, **kw)
    raise QuickBooksError(message, **kw)


def _fault(body: Any) -> tuple[str, str | None, str | None]:
    """Message, code and type of Intuit's `{"Fault": {"Error": [...], "type": ...}}`."""
    fault = body.get("Fault") if isinstance(body, dict) else None
    if not isinstance(fault, dict):
        return "QuickBooks answered without a Fault body", None, None
    errors = fault.get("Error") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = "; ".join(str(part) for part in (first.get("Message"), first.get("Detail")) if part)
    code = first.get("code")
    return message or "QuickBooks Fault", str(code) if code is not None else None, fault.get("type")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header; Intuit's docs only say to wait (about 60 s)."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None
