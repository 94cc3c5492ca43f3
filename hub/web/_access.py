"""Getting in: sign-in with an API key, sign-out, and portal links (minted through the API, opened here).

A portal link is `<public URL>/portal/link#<token>`: the token travels in the fragment, which browsers
never send to a server, so it stays out of access logs, proxies and Referer headers; the page's script
posts it to open a session bound to the link's organization.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template
from msgspec import Meta
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.deps import Ctx
from hub.tenancy.auth import live_key
from hub.tenancy.models import ApiKey
from hub.web._auth import ended_cookie, new_session_cookie, portal_signers, read_session
from hub.web._render import page
from hub.web._signing import BadLink, ExpiredLink, LinkClaims
from hub.shield import NO_STORE

__all__ = ["PortalLinkIn", "PortalLinkOut", "create_portal_link", "open_link", "link_page", "sign_in",
           "sign_in_page", "sign_out"]

Db = NamedDependency[AsyncSession]


def home(request: Request[Any, Any, Any], via: str) -> str:
    """The first page of the navigation a session signed in `via` a key or a link may see."""
    nav = [item for module in request.app.state.hub.modules for item in module.nav]
    return next((item.href for item in nav if item.links or via == "key"), "/portal/sign-in")


class PortalLinkIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A link that opens the portal for this organization only; it can be opened until it expires."""

    expires_in: Annotated[int, Meta(ge=60, le=7 * 86400, description="Seconds the link stays valid")] = 3600
    scope: Literal["read", "write"] = "write"


class PortalLinkOut(msgspec.Struct, kw_only=True):
    url: str
    expires_at: datetime
    scope: str


@post("/v1/portal_links", status_code=201, opt={"scope": "admin"}, tags=["Portal"], summary="Mint a portal link",
      cache_control=NO_STORE,
      description="A signed URL that opens the webhook portal for this organization, for a CRM to hand to its "
                  "customer. Revoking the API key that minted it voids the link and the sessions it opened.")
async def create_portal_link(ctx: Ctx, request: Request, data: JSONBody[PortalLinkIn]) -> PortalLinkOut:
    expires_at = datetime.fromtimestamp(int((utcnow() + timedelta(seconds=data.expires_in)).timestamp()), timezone.utc)
    claims = LinkClaims(org_id=ctx.org_id, key_id=ctx.principal.key_id, scope=data.scope, expires_at=expires_at)
    base = request.app.state.hub.settings.public_url.rstrip("/")
    return PortalLinkOut(url=f"{base}/portal/link#{portal_signers(request).link(claims)}", expires_at=expires_at,
                         scope=data.scope)


def _anonymous(request: Request[Any, Any, Any]) -> tuple[Any, str]:
    """The form token of the visitor's session, and a new anonymous session cookie when there is none."""
    session = read_session(request)
    if session is not None:
        return None, portal_signers(request).form_token(session["n"])
    return new_session_cookie(request)


def _sign_in_form(request: Request[Any, Any, Any], status: int = 200, error: str = "", notice: str = "",
                  next_path: str = "") -> Template:
    cookie, token = _anonymous(request)
    response = page("hub/sign_in.html", None, status, notice=notice, error=error, csrf_token=token,
                    next_path=_safe_next(next_path))
    if cookie is not None:
        response.cookies.append(cookie)
    return response


NOTICES = {"signed_out": "You are signed out.",
           "ended": "Your session has ended: sign in again to continue."}


@get("/sign-in", summary="The sign-in page")
async def sign_in_page(request: Request, next: FromQuery[str] = "", notice: FromQuery[str] = "") -> Template:
    return _sign_in_form(request, notice=NOTICES.get(notice, ""), next_path=next)


@post("/sign-in", summary="Sign in with an organization's API key")
async def sign_in(request: Request, db: Db) -> Response[Any]:
    form = await request.form()
    token, next_path = str(form.get("api_key", "")).strip(), str(form.get("next", ""))
    key = await live_key(db, token)
    if key is None:  # the typed key is not echoed back: it is a secret
        return _sign_in_form(request, 401, "That API key is not valid, or has been revoked or has expired.",
                             next_path=next_path)
    cookie, _ = new_session_cookie(request, k=key.id, o=key.org_id, v="key")
    return Redirect(_safe_next(next_path) or home(request, "key"), status_code=303, cookies=[cookie])


@post("/sign-out", summary="Sign out")
async def sign_out() -> Redirect:
    return Redirect("/portal/sign-in?notice=signed_out", status_code=303, cookies=[ended_cookie()])


@get("/link", summary="Open a portal link", description="The token is in the URL fragment; the page posts it.")
async def link_page(request: Request) -> Template:
    cookie, token = _anonymous(request)
    response = page("hub/link.html", None, csrf_token=token)
    if cookie is not None:
        response.cookies.append(cookie)
    return response


@post("/link", summary="Start a session from a portal link")
async def open_link(request: Request, db: Db) -> Response[Any]:
    form = await request.form()
    try:
        claims = portal_signers(request).open_link(str(form.get("token", "")), utcnow())
    except ExpiredLink as exc:
        return _link_refused(410, "This portal link has expired",
                             f"It could be opened until {exc.expires_at:%Y-%m-%d %H:%M} UTC. Ask for a new link "
                             "where you found this one.")
    except BadLink:
        return _link_refused(403, "This portal link is not valid",
                             "It may have been cut short or changed when it was copied. Copy the whole link, or "
                             "ask for a new one.")
    key = await db.get(ApiKey, claims.key_id)
    if key is None or key.org_id != claims.org_id or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= utcnow()):
        return _link_refused(403, "This portal link has been withdrawn",
                             "The API key that made this link was revoked. Ask for a new link.")
    cookie, _ = new_session_cookie(request, k=key.id, o=claims.org_id, v="link", s=claims.scope)
    return Redirect(home(request, "link"), status_code=303, cookies=[cookie])


def _link_refused(status: int, title: str, detail: str) -> Template:
    return page("hub/error.html", None, status, title=title, detail=detail)


def _safe_next(path: str) -> str:
    """Only a portal page of this site, never another host (`//evil`, `/\\evil`)."""
    ok = path.startswith("/portal/") and not path.startswith(("//", "/\\")) and "\\" not in path
    return path if ok and "/portal/sign-" not in path and "/portal/link" not in path else ""
