"""The API's own docs: the OpenAPI document at `/schema`, and Swagger UI (`/schema/swagger`) and ReDoc
(`/schema/redoc`) served with their assets from the installed `openapi-ui-bundles` package, so the docs load
offline and behind firewalls that block CDNs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar import Litestar, Response, get
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.routes import HTTPRoute
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from openapi_ui_bundles import redoc, swagger_ui

__all__ = ["ASSETS", "ERRORS", "Form", "asset_routes", "complete", "install", "is_public", "openapi_config"]

ASSETS = "/schema/assets"


@dataclass(frozen=True)
class Form:
    """A form body that a route reads itself (OAuth's endpoints, Twilio's callbacks), for its docs: each field
    with its description; pass it to the route's decorator as `form=`."""

    fields: dict[str, str]
    required: tuple[str, ...] = ()

    def body(self, summary: str) -> dict[str, Any]:
        """The operation's `requestBody`, as `application/x-www-form-urlencoded`."""
        properties = {name: {"type": "string", "description": text} for name, text in self.fields.items()}
        schema = {"type": "object", "properties": properties, "required": list(self.required)}
        return {"description": f"The form of: {summary}.", "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


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


# -- completing the document: one walk over every operation, so each module's routes comply on their own --

ERRORS = {
    400: ("bad-request", "The request cannot be read: a malformed query, cursor, header or JSON body."),
    401: ("unauthorized", "No API key or token, or one that is unknown, expired or revoked (or, on a public route, "
                          "a signature that does not verify)."),
    403: ("forbidden", "The key lacks the scope the operation needs."),
    404: ("not-found", "No such record in the caller's organization."),
    409: ("conflict", "A unique value is taken, or an Idempotency-Key was reused with another body."),
    412: ("precondition-failed", "If-Match names a version the record has moved past."),
    422: ("validation-failed", "Well-formed input that breaks a rule; `errors` names each field."),
    429: ("rate-limited", "Too many requests for this key; retry after the `Retry-After` seconds."),
}
PROBLEM = {
    "type": "object", "description": "An RFC 9457 problem details answer.", "required": ["type", "title", "status",
                                                                                          "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "What kind of problem, as a URN.", "example": "urn:problem:hub:x"},
        "title": {"type": "string", "description": "The kind of problem in words."},
        "status": {"type": "integer", "description": "The HTTP status, again."},
        "detail": {"type": "string", "description": "What went wrong with this request, for a person."},
        "instance": {"type": "string", "description": "The path that was called."},
        "errors": {"type": "array", "description": "The fields at fault, for 422.", "items": {
            "type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        "request_id": {"type": "string", "description": "The request's id, as in the logs."}}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique text: the same key with the same body within the retention time answers the first "
                   "answer again and changes nothing; with another body, 409.",
    "example": "7c1e0f7e-retry-safe"}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_EXAMPLES = {"string": "text", "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}


def complete(document: dict[str, Any], handlers: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """Every operation with its problem answers, described and exemplified parameters and bodies, the
    Idempotency-Key header where it is honoured, and no key claimed by a public route."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if (operation := item.get(method)) is not None:
                _operation(document, operation, handlers.get((path, method)), method)
    return document


def _operation(document: dict[str, Any], operation: dict[str, Any], handler: Any, method: str) -> None:
    if handler is not None and is_public(handler):
        operation["security"] = []
    if handler is not None and (handler.opt.get("idempotent") or (method == "post" and not is_public(handler))):
        operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
    if handler is not None and isinstance(form := handler.opt.get("form"), Form):
        operation.setdefault("requestBody", form.body(operation.get("summary", "this operation")))
    responses = operation.setdefault("responses", {})
    for status, (slug, text) in ERRORS.items():
        responses.setdefault(str(status), _problem(status, slug, text))
    for param in operation.get("parameters", []):
        param.setdefault("description", f"The {param['name'].replace('_', ' ').replace('-', ' ').lower()}.")
        if "example" not in param and "examples" not in param:
            param["example"] = _example(document, param.get("schema", {}))
    if body := operation.get("requestBody"):
        body.setdefault("description", f"The body of: {operation.get('summary', 'this operation')}.")
        for media in body.get("content", {}).values():
            if "example" not in media and "examples" not in media:
                media["example"] = _example(document, media.get("schema", {}))


def _problem(status: int, slug: str, text: str) -> dict[str, Any]:
    example = {"type": f"urn:problem:hub:{slug}", "title": slug.replace("-", " ").capitalize(), "status": status,
               "detail": text, "instance": "/v1/contacts/con_06bqv0e7c1k2"}
    return {"description": text, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}, "example": example}}}


def _example(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """An example value for a schema: its own example or default, else one made from its type."""
    if "$ref" in schema:
        schema = document["components"]["schemas"].get(schema["$ref"].rsplit("/", 1)[-1], {})
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    options = [s for s in schema.get("oneOf", schema.get("anyOf", [])) if s.get("type") != "null"]
    if options:
        return _example(document, options[0], depth)
    if schema.get("type") == "object" and depth < 3:
        return {k: _example(document, v, depth + 1) for k, v in list(schema.get("properties", {}).items())[:12]}
    kind = schema.get("type")
    return _EXAMPLES.get(kind[0] if isinstance(kind, list) else kind or "string", "text")


def is_public(handler: Any) -> bool:
    """Outside the API's router: the route proves its caller otherwise (a signature, a state, a form)."""
    from hub.plugin import API_ROUTER  # the plugin mounts the app; imported late to keep this module leaf-like

    return handler.opt.get("router") != API_ROUTER


class _CompletingPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, answering the completed document (Litestar has no hook to change it)."""

    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            handlers = {(route.path_format, method.lower()): handler for route in self.app.routes
                        if isinstance(route, HTTPRoute) for handler in route.route_handlers
                        for method in handler.http_methods}
            self._openapi_schema = complete(self.provide_openapi().to_schema(), handlers)
        return self._openapi_schema


def install(app: Litestar) -> None:
    """Make the app's OpenAPI document the completed one: its own plugin instance takes the subclass above,
    which adds behaviour only (no state), so the instance stays what Litestar made."""
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletingPlugin
