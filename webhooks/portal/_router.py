"""The `/portal` router: its pages, its guard, its error pages and the headers of every answer."""

from __future__ import annotations

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
from webhooks.portal._access import link_page, open_link, sign_in, sign_in_page, sign_out
from webhooks.portal._auth import SignInRequired, csrf_guard, ended_cookie, provide_viewer
from webhooks.portal._endpoint_pages import EndpointPages
from webhooks.portal._message_pages import MessagePages, catalog_page
from webhooks.portal._render import SECURITY_HEADERS, asset, page

__all__ = ["portal_router"]

log = structlog.get_logger("webhooks.portal")


@get("/", summary="The portal's front door")
async def home() -> Redirect:
    return Redirect("/portal/endpoints", status_code=303)


@get("/assets/{name:str}", summary="The portal's stylesheet and script", sync_to_thread=False)
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
    response = page("error.html", None, status, title=title, detail=detail)
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
    log.error("portal.request.failed", error_class=type(exc).__name__, exc_info=exc)
    return _error_page(500, "Something went wrong", "The page failed to load; the error has been logged.")


async def _secure(response: Response[Any]) -> Response[Any]:
    """Security headers on every page; pages hold private data, so no cache keeps them (assets excepted)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def portal_router() -> Router:
    """Everything under `/portal`; apart from the JSON API, with its own guard and error pages."""
    return Router(
        path="/portal",
        route_handlers=[home, assets, sign_in_page, sign_in, sign_out, link_page, open_link, EndpointPages,
                        MessagePages, catalog_page],
        dependencies={"db": Provide(provide_session), "viewer": Provide(provide_viewer)},
        guards=[csrf_guard],
        exception_handlers={SignInRequired: _signed_out, HubError: _hub_error, HTTPException: _http_error,
                            Exception: _unexpected},
        after_request=_secure,
        tags=["Portal (web pages)"],
    )
