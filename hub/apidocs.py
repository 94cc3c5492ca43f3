"""The API's own docs: the OpenAPI document at `/schema`, and Swagger UI (`/schema/swagger`) and ReDoc
(`/schema/redoc`) served with their assets from the installed `openapi-ui-bundles` package, so the docs load
offline and behind firewalls that block CDNs."""

from __future__ import annotations

from functools import cache

from litestar import Response, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from openapi_ui_bundles import redoc, swagger_ui

__all__ = ["ASSETS", "asset_routes", "openapi_config"]

ASSETS = "/schema/assets"


def openapi_config() -> OpenAPIConfig:
    """The document, and its two renderings pointing at the hub's own copies of their scripts and styles."""
    icon = f"<link rel='icon' type='image/png' href='{ASSETS}/swagger/favicon-32x32.png'>"
    swagger = SwaggerRenderPlugin(js_url=f"{ASSETS}/swagger/swagger-ui-bundle.js", favicon=icon,
                                  css_url=f"{ASSETS}/swagger/swagger-ui.css",
                                  standalone_preset_js_url=f"{ASSETS}/swagger/swagger-ui-standalone-preset.js")
    return OpenAPIConfig(
        title="CRM integration hub", version="1", path="/schema",
        description="Records, events, the trigger/action catalog and the delivery gateway of the CRM.",
        render_plugins=[swagger, RedocRenderPlugin(js_url=f"{ASSETS}/redoc.js",
                                                   google_fonts=False, favicon=icon)],
        components=Components(security_schemes={"apiKey": SecurityScheme(type="http", scheme="bearer",
                                                                         description="An API key: hub_…")}),
        security=[{"apiKey": []}],
    )


_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def _redoc_script() -> bytes:
    # ReDoc's sidebar credit fetches its logo from a CDN; the package ships the same file.
    text = (redoc.static_path / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(_REDOC_LOGO, f"{ASSETS}/redoc/logo-mini.svg").encode()


@get(f"{ASSETS}/redoc.js", include_in_schema=False, cache=3600)
async def redoc_script() -> Response[bytes]:
    return Response(_redoc_script(), media_type="text/javascript; charset=utf-8")


def asset_routes() -> list[ControllerRouterHandler]:
    """The pinned Swagger UI and ReDoc files, public and cacheable like any static asset."""
    return [create_static_files_router(path=f"{ASSETS}/swagger", directories=[swagger_ui.static_path],
                                       include_in_schema=False, name="swagger-assets"),
            create_static_files_router(path=f"{ASSETS}/redoc", directories=[redoc.static_path],
                                       include_in_schema=False, name="redoc-assets"), redoc_script]
