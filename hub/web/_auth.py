"""Who is looking at the hub's pages: a signed session cookie, checked against the database on every request.

The cookie names the API key behind the session (the key signed in with, or the admin key that minted
the portal link), so revoking that key ends the session. Every form carries a token bound to the
session's nonce (a synchronizer token); a POST without it is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.errors import Forbidden
from hub.tenancy.auth import SCOPES, Principal
from hub.tenancy.models import ApiKey, Organization
from hub.web._signing import SESSION_SECONDS, Signers, signers

__all__ = ["COOKIE", "SignInRequired", "Viewer", "csrf_guard", "ended_cookie", "new_session_cookie",
           "portal_signers", "provide_viewer", "read_session"]

COOKIE = "hub_portal"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SignInRequired(Exception):
    """No live session: the person is sent to the sign-in page, which says why when `reason` is set."""

    def __init__(self, next_path: str = "", reason: str = "") -> None:
        super().__init__(reason or "sign in")
        self.next_path, self.reason = next_path, reason


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: the principal every query is scoped by, and what the pages need to know."""

    principal: Principal
    org_name: str
    csrf_token: str = field(repr=False)
    via: Literal["key", "link"] = "key"  # signed in with an API key, or came through a portal link

    @property
    def can_write(self) -> bool:
        return self.principal.allows("write")


def portal_signers(request: Request[Any, Any, Any]) -> Signers:
    return signers(tuple(request.app.state.hub.settings.secret_keys))


def read_session(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE)
    return portal_signers(request).open_session(token) if token else None


def new_session_cookie(request: Request[Any, Any, Any], **data: Any) -> tuple[Cookie, str]:
    """A fresh session (a new nonce, so a token seen before sign-in is useless after) and its form token."""
    nonce = secrets.token_urlsafe(16)
    value = portal_signers(request).session({"n": nonce, **data})
    settings = request.app.state.hub.settings
    secure = request.url.scheme == "https" or settings.public_url.startswith("https://")
    cookie = Cookie(key=COOKIE, value=value, path="/portal", max_age=SESSION_SECONDS, httponly=True,
                    samesite="lax", secure=secure)
    return cookie, portal_signers(request).form_token(nonce)


def ended_cookie() -> Cookie:
    """Tells the browser to forget the session."""
    return Cookie(key=COOKIE, value="", path="/portal", max_age=0, expires=0, httponly=True, samesite="lax")


async def csrf_guard(request: Request[Any, Any, Any], _handler: Any) -> None:
    """Every unsafe request carries the form token of the session it came from."""
    if request.method in SAFE_METHODS:
        return
    session = read_session(request)
    form = await request.form()
    token = form.get("csrf_token")
    if session is None or not isinstance(token, str) or not portal_signers(request).check_form_token(session["n"],
                                                                                                     token):
        raise Forbidden("This form has expired or did not come from this page. Go back, reload it and try again.")


async def provide_viewer(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Viewer:
    """The live session's viewer, with the scope the route needs; SignInRequired when there is none."""
    session = read_session(request)
    if session is None or "k" not in session:
        raise SignInRequired(_here(request))
    key, org_name = await _live_key(db, session, _here(request))
    principal = _principal(key, session)
    structlog.contextvars.bind_contextvars(org_id=principal.org_id, key_prefix=principal.prefix)
    request.scope["state"]["org_id"] = principal.org_id
    if session["v"] == "key":
        request.app.state.hub.key_usage.seen(key.id)
    elif not request.route_handler.opt.get("links"):
        raise Forbidden("A portal link opens the webhook pages only; sign in with an API key for this page.")
    needed = request.route_handler.opt.get("scope") or ("read" if request.method in SAFE_METHODS else "write")
    if not principal.allows(needed):
        raise Forbidden(f"Your access is {_rank(principal)}; this needs {needed}.")
    return Viewer(principal, org_name, portal_signers(request).form_token(session["n"]), session["v"])


async def _live_key(db: AsyncSession, session: dict[str, Any], here: str) -> tuple[ApiKey, str]:
    """The session's key and its organization's name, read now: a revoked or expired key ends the session."""
    row = (await db.execute(select(ApiKey, Organization.name).join(Organization, Organization.id == ApiKey.org_id)
                            .where(ApiKey.id == session["k"]))).one_or_none()
    key = row[0] if row else None
    if key is None or key.org_id != session["o"] or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= utcnow()):
        raise SignInRequired(here, "Your session has ended: its API key was revoked or has expired.")
    return key, row[1]


def _principal(key: ApiKey, session: dict[str, Any]) -> Principal:
    """A key session has the key's scopes; a link session the link's scope, never more than its key's."""
    scopes = frozenset(key.scopes)
    if session["v"] == "link":
        granted = session["s"]
        scopes = frozenset({granted}) if Principal("", "", "", scopes).allows(granted) else frozenset({"read"})
    return Principal(key_id=key.id, org_id=key.org_id, prefix=key.prefix, scopes=scopes)


def _rank(principal: Principal) -> str:
    return next((s for s in reversed(SCOPES) if principal.allows(s)), "none") + " access"


def _here(request: Request[Any, Any, Any]) -> str:
    query = request.scope["query_string"].decode("latin-1")
    return request.url.path + (f"?{query}" if query else "") if request.method in SAFE_METHODS else ""
