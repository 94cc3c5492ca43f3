"""The one Litestar plugin that mounts a hub's modules: their API routes, public routes and pages, their
templates, the hub as a dependency, and the hub's start-up and shut-down as the app's lifespan."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Litestar, Request, Router
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.plugins import InitPluginProtocol

from hub import idempotency
from hub.deps import API_DEPENDENCIES
from hub.errors import BadRequest, UnsupportedMediaType
from hub.runtime import Hub
from hub.web import pages_router, template_config

__all__ = ["API_ROUTER", "HubPlugin", "strict_body"]

API_ROUTER = "api"  # the `router` opt of every route behind the API's guard (a key or token, scopes)


class HubPlugin(InitPluginProtocol):
    """Mounts `hub`'s modules on the app: `/v1` routes behind the API's guard, public routes as declared,
    pages under `/portal`; `request.app.state.hub` and the `hub` and `catalog` dependencies reach the hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        hub, modules = self.hub, self.hub.modules
        app_config.state = State({**app_config.state.dict(), "hub": hub})
        app_config.route_handlers = [
            *app_config.route_handlers,
            Router(path="/", route_handlers=[r for m in modules for r in m.routes], dependencies=API_DEPENDENCIES,
                   before_request=_strict_input, after_request=idempotency.remember_answer, opt={"router": API_ROUTER}),
            *(r for m in modules for r in m.public),
            pages_router([p for m in modules for p in m.pages]),
        ]
        app_config.dependencies = {
            **app_config.dependencies,
            "hub": Provide(lambda: hub, use_cache=True, sync_to_thread=False),
            "catalog": Provide(lambda: hub.catalog, use_cache=True, sync_to_thread=False),
        }
        app_config.template_config = template_config({k: v for m in modules for k, v in m.templates.items()},
                                                     [n for m in modules for n in m.nav])
        app_config.lifespan = [*app_config.lifespan, self._running]
        return app_config

    @contextlib.asynccontextmanager
    async def _running(self, _app: Litestar) -> AsyncIterator[None]:
        async with self.hub.running(delivers=self.hub.settings.serve_delivers):
            yield


async def _strict_input(request: Request[Any, Any, Any]) -> None:
    """Refuse query parameters no handler reads, and NUL characters, which no text column can store."""
    idempotency.track(request)
    accepted = {field.kwarg_definition.name or name
                for name, field in request.route_handler.parsed_fn_signature.parameters.items()
                if isinstance(field.kwarg_definition, QueryParameter)}
    if unknown := set(request.query_params) - accepted:
        raise BadRequest(f"Unknown query parameters: {', '.join(sorted(unknown))}; this endpoint takes "
                         f"{', '.join(sorted(accepted)) or 'none'}.")
    if b"%00" in request.scope["query_string"] or "\x00" in request.scope["path"] or (
            request.method in ("POST", "PATCH", "PUT") and rb"\u0000" in await request.body()):
        raise BadRequest("NUL characters (\\u0000) are not accepted.")
    await strict_body(request, every_body_is_json=True)


_JSON = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?", re.IGNORECASE | re.DOTALL)


async def strict_body(request: Request[Any, Any, Any], every_body_is_json: bool = False) -> None:
    """A JSON body must come as JSON and fit the route's schema exactly as the OpenAPI document says: no
    number where a date-time or a string is asked (the handler's own parsing converts leniently, for query
    strings' sake). Under `/v1` every body is JSON; elsewhere, those of routes that read JSON `data`."""
    if request.method not in ("POST", "PATCH", "PUT"):
        return
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    media = getattr(field.kwarg_definition, "media_type", "application/json") if field is not None else None
    reads_json = field is not None and str(getattr(media, "value", media)) == "application/json"
    if not (reads_json or every_body_is_json) or not (body := await request.body()).strip():
        return
    given = request.headers.get("content-type", "")
    if not _JSON.fullmatch(given.strip()):
        raise UnsupportedMediaType("The body must be JSON (Content-Type: application/json), not "
                                   f"{given or 'untyped'}.")
    if reads_json:
        _fits(body, field.annotation)


def _fits(body: bytes, kind: Any) -> None:
    try:
        msgspec.json.decode(body, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$")
        name = path.rstrip("`").lstrip(".") or "data"
        raise BadRequest(f"{name}: {message}",
                         errors=[{"field": name, "source": "body", "message": message}]) from None
    except (msgspec.DecodeError, TypeError, ValueError):
        return  # malformed JSON, or a type only the handler's own decoding knows: answered there
