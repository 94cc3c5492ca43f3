"""Errors of the hub and their RFC 9457 problem-details answers.

HubError                      every error the hub raises on purpose; carries its HTTP status
├── BadRequest (400)          malformed query, cursor or header
├── Unauthorized (401)        missing, unknown or revoked API key
├── Forbidden (403)           the key lacks the scope
├── NotFound (404)            absent, or belongs to another organization
├── Conflict (409)            unique value taken, idempotency key reused with another body
├── PreconditionFailed (412)  stale If-Match
├── UnsupportedMediaType (415) a body in another format than the route reads
├── ValidationFailed (422)    well-formed input that breaks a rule
└── RateLimited (429)         per-key rate limit, with Retry-After
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "HubError",
    "NotFound",
    "PreconditionFailed",
    "RateLimited",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "exception_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("hub.errors")


class HubError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal error"

    def __init__(self, detail: str = "", *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}


class BadRequest(HubError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(HubError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="hub"'})


class Forbidden(HubError):
    status, slug, title = 403, "forbidden", "The API key lacks the required scope"


class NotFound(HubError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(HubError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(HubError):
    status, slug, title = 412, "precondition-failed", "The record changed since you read it"


class UnsupportedMediaType(HubError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(HubError):
    status, slug, title = 422, "validation-error", "Input failed validation"


class RateLimited(HubError):
    status, slug, title = 429, "rate-limited", "Too many requests"


def problem_response(request: Request[Any, Any, Any], *, status: int, slug: str, title: str,
                     detail: str, errors: list[dict[str, Any]] | None = None,
                     headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:problem:hub:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _hub_error(request: Request[Any, Any, Any], exc: HubError) -> Response[dict[str, Any]]:
    return problem_response(request, status=exc.status, slug=exc.slug, title=exc.title, detail=exc.detail,
                            errors=exc.errors, headers=exc.headers)


_SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 413: "payload-too-large", 415: "unsupported-media-type",
          429: "rate-limited"}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status >= 500:
        return _unexpected(request, exc)
    errors = None
    detail = exc.detail
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [{"field": e.get("key"), "source": e.get("source"), "message": e.get("message")}
                  for e in exc.extra if isinstance(e, dict)]
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    title = exc.detail if not errors else "Request input failed validation"
    return problem_response(request, status=status, slug=_SLUGS.get(status, "client-error"), title=title,
                            detail=detail, errors=errors, headers=exc.headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.error("http.request.failed", error_class=type(exc).__name__, exc_info=exc)
    return problem_response(request, status=500, slug="internal-error", title="Internal error",
                            detail="The server failed to handle the request; it has been logged.")


exception_handlers = {HubError: _hub_error, HTTPException: _http_error, Exception: _unexpected}
