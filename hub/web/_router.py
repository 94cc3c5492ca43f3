"""The `/portal` router: the hub's pages (sign-in and each module's), their guard, their error pages and the
headers of every answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import structlog
from litestar import Request, Response, Router, get
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect

from hub.deps import provide_session
from hub.errors import Forbidden, HubError
from hub.web._access import home, link_page, open_link, sign_in, sign_in_page, sign_out
from hub.web._auth import SignInRequired, csrf_guard, ended_cookie, provide_viewer, read_session
from hub.web._render import SECURITY_HEADERS, asset, page

__all__ = ["pages_router"]

log = structlog.get_logger("hub.web")


@get("/", summary="The pages' front door: the first page the session may see")
async def front_door(request: Request[Any, Any, Any]) -> Redirect:
    session = read_session(request)
    return Redirect(home(request, session.get("v", "key") if session else "key"), status_code=303)


@get("/assets/{name:str}", summary="The pages' stylesheet and script", sync_to_thread=False)
def assets(name: FromPath[str]) -> Response[bytes]:
    found = asset(name)
    if found is None:
        raise HTTPException(status_code=404, detail="No such asset.")
    return Response(found[0], media_type=found[1],
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


def _signed_out(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """To the sign-in page, forgetting a session that has ended, and back here afterwards."""
    target = "/portal/sign-in" + (f"?next={_quote(exc.next_path)}" if exc.next_path else "")
    if exc.reason:
        target += ("&" if "?" in target else "?") + "notice=ended"
    return Redirect(target, status_code=303, cookies=[ended_cookie()])


def _quote(path: str) -> str:
    return quote(path, safe="/")


def _error_page(status: int, title: str, detail: str) -> Response[Any]:
    response = page("hub/error.html", None, status, title=title, detail=detail)
    response.headers.update({**SECURITY_HEADERS, "Cache-Control": "no-store"})
    return response


def _hub_error(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    title = "Not allowed" if isinstance(exc, Forbidden) else exc.title
    return _error_page(exc.status, title, exc.detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    return _error_page(exc.status_code, "That did not work", str(exc.detail))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("web.request.failed", error_class=type(exc).__name__, exc_info=exc)
    return _error_page(500, "Something went wrong", "The page failed to load; the error has been logged.")


async def _secure(response: Response[Any]) -> Response[Any]:
    """Security headers on every page; pages hold private data, so no cache keeps them (assets excepted)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def pages_router(pages: Sequence[Any]) -> Router:
    """Everything under `/portal`: sign-in, portal links and the modules' `pages`, with their own guard and error
    pages. A page a portal link may open says so with `opt={"links": True}`."""
    return Router(
        path="/portal",
        route_handlers=[front_door, assets, sign_in_page, sign_in, sign_out, link_page, open_link, *pages],
        dependencies={"db": Provide(provide_session), "viewer": Provide(provide_viewer)},
        guards=[csrf_guard],
        exception_handlers={SignInRequired: _signed_out, HubError: _hub_error, HTTPException: _http_error,
                            Exception: _unexpected},
        after_request=_secure,
        tags=["Pages"],
    )
