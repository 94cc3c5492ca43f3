"""A loopback OAuth 2 authorization server (RFC 6749, PKCE RFC 7636, revocation RFC 7009) with rotating refresh tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from connectors._loopback import serve

__all__ = ["FakeAuthServer"]


@dataclass
class _Grant:
    access: str
    refresh: str
    scope: str
    revoked: bool = False
    spent_at: float | None = None


class FakeAuthServer:
    """Honest in what it checks; `fail_next` queues HTTP statuses the token endpoint answers first."""

    def __init__(self, *, client_id: str = "hub-client", client_secret: str = "hub-secret", redirect_uri: str,
                 access_ttl: int = 3600, grace: float = 0.0, refresh_delay: float = 0.0,
                 account: str | None = "9130350000000001") -> None:
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.access_ttl, self.grace, self.refresh_delay, self.account = access_ttl, grace, refresh_delay, account
        self.offset = 0.0
        self.deny = False
        self.fail_next: list[int] = []
        self.refreshes = 0
        self.revoked: list[str] = []
        self.seen_tokens: set[str] = set()
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, tuple[float, _Grant]] = {}
        self._refresh: dict[str, _Grant] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    async def start(self) -> FakeAuthServer:
        app = web.Application()
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_post("/revoke", self.revoke)
        app.router.add_get("/me", self.me)
        self._runner, self.url = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # -- the authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3)
    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("redirect_uri") != self.redirect_uri:
            return web.Response(status=400, text="unknown client or unregistered redirect_uri")  # never redirect
        state = q.get("state", "")
        if self.deny:
            return self._back({"error": "access_denied", "state": state})
        if q.get("response_type") != "code":
            return self._back({"error": "unsupported_response_type", "state": state})
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self._back({"error": "invalid_request", "error_description": "PKCE S256 required",
                               "state": state})
        code = secrets.token_urlsafe(24)
        self._codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"],
                             "scope": q.get("scope", ""), "expires": self.now() + 300}
        back = {"code": code, "state": state}
        if self.account:
            back["realmId"] = self.account
        return self._back(back)

    def _back(self, params: dict[str, str]) -> web.Response:
        raise web.HTTPFound(f"{self.redirect_uri}?{urlencode(params)}")

    # -- the token endpoint (RFC 6749 §3.2, §4.1.3, §6)
    async def token(self, request: web.Request) -> web.Response:
        if request.content_type != "application/x-www-form-urlencoded":
            return self._error("invalid_request", "form encoding required")
        form = dict(parse_qsl(await request.text()))
        if not self._client_ok(request, form):
            return self._error("invalid_client", status=401, headers={"WWW-Authenticate": 'Basic realm="fake"'})
        if self.fail_next:
            return web.json_response({"error": "temporarily_unavailable"}, status=self.fail_next.pop(0))
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form)
        if form.get("grant_type") == "refresh_token":
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            return self._rotate(form)
        return self._error("unsupported_grant_type")

    def _client_ok(self, request: web.Request, form: dict[str, str]) -> bool:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        user, _, password = base64.b64decode(value).decode().partition(":")
        return (user, password) == (self.client_id, self.client_secret) and "client_secret" not in form

    def _exchange(self, form: dict[str, str]) -> web.Response:
        code = self._codes.pop(form.get("code", ""), None)  # single use
        if code is None or code["expires"] < self.now() or form.get("redirect_uri") != code["redirect_uri"]:
            return self._error("invalid_grant", "code unknown, used, expired or for another redirect_uri")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not 43 <= len(verifier) <= 128 or challenge != code["challenge"]:
            return self._error("invalid_grant", "PKCE verification failed")
        return self._issue(code["scope"])

    def _rotate(self, form: dict[str, str]) -> web.Response:
        grant = self._refresh.get(form.get("refresh_token", ""))
        if grant is None or grant.revoked:
            return self._error("invalid_grant", "refresh token unknown or revoked")
        if grant.spent_at is not None and self.now() - grant.spent_at > self.grace:
            return self._error("invalid_grant", "refresh token already used")
        grant.spent_at = grant.spent_at or self.now()
        self.refreshes += 1
        return self._issue(grant.scope)

    def _issue(self, scope: str) -> web.Response:
        grant = _Grant(access=secrets.token_urlsafe(32), refresh=secrets.token_urlsafe(32), scope=scope)
        self._access[grant.access] = (self.now() + self.access_ttl, grant)
        self._refresh[grant.refresh] = grant
        self.seen_tokens |= {grant.access, grant.refresh}
        body = {"access_token": grant.access, "token_type": "Bearer", "expires_in": self.access_ttl,
                "refresh_token": grant.refresh, "scope": scope}
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _error(self, error: str, description: str = "", status: int = 400,
               headers: dict[str, str] | None = None) -> web.Response:
        body = {"error": error, **({"error_description": description} if description else {})}
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store", **(headers or {})})

    # -- revocation (RFC 7009): revoking a refresh token ends its grant; unknown tokens still answer 200
    async def revoke(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl(await request.text()))
        if not self._client_ok(request, form):
            return self._error("invalid_client", status=401)
        token = form.get("token", "")
        grant = self._refresh.get(token) or (self._access.get(token) or (0, None))[1]
        if grant is not None:
            grant.revoked = True
            self.revoked.append(form.get("token_type_hint", ""))
        return web.Response(status=200)

    # -- a protected resource (RFC 6750)
    def valid(self, token: str) -> bool:
        """Whether an API in front of this server would accept `token`: issued here, unexpired, unrevoked."""
        entry = self._access.get(token)
        return entry is not None and entry[0] > self.now() and not entry[1].revoked

    async def me(self, request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not self.valid(token):
            return web.json_response({"error": "invalid_token"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return web.json_response({"account": self.account})
