"""JSON logs with request and organization ids (never a secret), request ids and metrics."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

import structlog
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PrometheusController", "configure_logging", "prometheus_config", "redact", "request_context"]

_SECRET_KEYS = re.compile(r"(authorization|api_?key|token|secret|password|signature|cookie|^key$)", re.I)
# API keys, webhook secrets, bearer headers; the hub's OAuth tokens and client secrets; Slack tokens.
_SECRET_VALUES = re.compile(r"(hub_[0-9a-f]{8}_|hubat_|hubrt_|hubcs_|xox[abposre]-)[A-Za-z0-9_\-]+"
                            r"|(whsec_)[A-Za-z0-9+/=]+|(Bearer\s+)\S+")


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Blank out values under secret-looking keys, and key-shaped strings anywhere."""
    for key, value in list(event.items()):
        # A number under a secret-looking key is a count (`oauth_authorizations: 3`), never a secret.
        if _SECRET_KEYS.search(key) and key != "key_prefix" and not isinstance(value, (int, float)):
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = _SECRET_VALUES.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "[redacted]", value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "json", stream: Any = None) -> None:
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(level, renderer, stream or sys.stderr)


def _route_standard_logging(level: str, renderer: Any, stream: Any) -> None:
    """Libraries that log through `logging` (aio-pika, uvicorn, …) come out in the same format, redacted,
    at the same level."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                           structlog.processors.TimeStamper(fmt="iso", utc=True), redact],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer]))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.getLevelName(level))
    for name in _CHATTY:  # one INFO line per HTTP call; our own client logs say what matters
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


_CHATTY = ("twilio.http_client",)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,100}$")
access_log = structlog.get_logger("hub.http")


def request_context(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: a request id (taken from X-Request-ID when sane), bound to every log line,
    echoed in the answer, and one access-log line per request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            if scope["path"] not in ("/health", "/metrics"):
                access_log.info("http.request.done", method=scope["method"], path=scope["path"], status=status,
                                duration_ms=round((time.perf_counter() - started) * 1000, 2))

    return middleware


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(app_name="hub", prefix="hub", group_path=True, exclude=["/metrics", "/health"])
