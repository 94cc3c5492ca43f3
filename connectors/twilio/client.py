"""The official `twilio` client, pointed at a configurable base URL: one method per remote call.

The Calls API is reached through Twilio's own `Client` and its async transport (`AsyncTwilioHttpClient`,
aiohttp underneath, which the hub already ships). The transport is the seam: `TwilioHttp` rewrites the
scheme and host of `https://api.twilio.com` to `base_url` and keeps the rest of the request as the library
built it, so the real service and the loopback fake are reached by the same code. The async transport is
used, rather than the sync client in a thread, because the call job runs on the event loop beside the
server: a blocking client would hold a worker thread for every call being placed.
"""

from __future__ import annotations

import base64
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

from aiohttp import ClientConnectorError
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from connectors.twilio.errors import TwilioApiError, api_error
from connectors.twilio.manifest import API_VERSION, PRODUCTION_URL

__all__ = ["CALL", "CALLS", "NotSent", "TwilioCalls", "TwilioHttp"]

# https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
CALLS = f"/{API_VERSION}/Accounts/{{account_sid}}/Calls.json"
# https://www.twilio.com/docs/voice/api/call-resource#fetch-a-call-resource
CALL = f"/{API_VERSION}/Accounts/{{account_sid}}/Calls/{{call_sid}}.json"
# The events the hub asks status callbacks for (default would be `completed` only).
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class NotSent(Exception):
    """The request never reached Twilio (the connection failed): retrying it cannot place a call twice."""


class TwilioHttp(AsyncTwilioHttpClient):
    """Twilio's async transport, sending to `base_url` instead of https://api.twilio.com."""

    def __init__(self, base_url: str = PRODUCTION_URL, *, timeout: float = 15.0) -> None:
        super().__init__(pool_connections=True, timeout=timeout)  # one session, closed by `close()`
        self.base = urlsplit(base_url.rstrip("/"))
        self.retry_after: float | None = None

    async def request(self, method: str, url: str, params: dict[str, object] | None = None,
                      data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                      auth: tuple[str, str] | None = None, timeout: float | None = None,
                      allow_redirects: bool = False) -> Response:
        parts = urlsplit(url)
        base = self.base
        rebased = urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))
        if auth is not None:  # sent as a header: aiohttp deprecates the BasicAuth helper the base class uses
            headers = {**(headers or {}), "Authorization": _basic(*auth)}
        try:
            response = await super().request(method, rebased, params, data, headers, None,
                                             timeout or self.timeout, allow_redirects)
        except ClientConnectorError as exc:
            raise NotSent(f"Twilio could not be reached ({type(exc).__name__})") from None
        limited = response.status_code == 429
        self.retry_after = _seconds(response.headers.get("Retry-After")) if limited else None
        return response


class TwilioCalls:
    """The Calls API of one Twilio account; use as `async with TwilioCalls(...) as calls:`."""

    def __init__(self, account_sid: str, auth_token: str, *, base_url: str = PRODUCTION_URL,
                 timeout: float = 15.0) -> None:
        self.http = TwilioHttp(base_url, timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=self.http, environment={})
        self.account_sid = account_sid

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    async def create_call(self, *, to: str, from_: str, url: str, status_callback: str,
                          timeout: int = 30) -> dict[str, Any]:
        """Ring `to` from `from_`; when answered, Twilio fetches TwiML from `url` (POST)."""
        try:
            call = await self._client.api.v2010.accounts(self.account_sid).calls.create_async(
                to=to, from_=from_, url=url, method="POST", status_callback=status_callback,
                status_callback_method="POST", status_callback_event=STATUS_EVENTS, timeout=timeout)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise self._error(exc, "create the call") from None
        return _fields(call)

    async def fetch_call(self, call_sid: str) -> dict[str, Any]:
        """The call as Twilio has it now: status, duration, start and end."""
        try:
            call = await self._client.api.v2010.accounts(self.account_sid).calls(call_sid).fetch_async()
        except (TwilioRestException, TwilioServiceException) as exc:
            raise self._error(exc, "fetch the call") from None
        return _fields(call)

    def _error(self, exc: TwilioRestException | TwilioServiceException, doing: str) -> TwilioApiError:
        message = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "") or ""
        code = getattr(exc, "code", None)
        return api_error(f"Twilio refused to {doing}: {message} (HTTP {exc.status}, code {code})"[:300],
                         status=exc.status, code=code, retry_after=self.http.retry_after)


def _fields(call: Any) -> dict[str, Any]:
    return {"sid": call.sid, "status": call.status, "duration": call.duration, "to": call.to,
            "from": call._from, "start_time": call.start_time, "end_time": call.end_time}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
