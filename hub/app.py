"""The Litestar application, wired in one place: the tuple of modules the hub is made of, and `create_app`."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import structlog
from litestar import Litestar, Request, Response, get
from litestar.config.app import AppConfig
from sqlalchemy import text

from hub import apidocs, observability
from hub.catalog import Catalog
from hub.errors import exception_handlers, problem_response
from hub.idempotency import Replayed, replayed_answer
from hub.module import Module
from hub.plugin import HubPlugin, strict_body
from hub.runtime import Hub
from hub.settings import Settings, load_settings
from hub.shield import shield

__all__ = ["MODULES", "create_app", "load_modules"]

log = structlog.get_logger("hub.app")


def load_modules(*paths: str) -> tuple[Module, ...]:
    """The `MODULE` declared by each dotted module path, in the order given."""
    modules = []
    for path in paths:
        declared = getattr(importlib.import_module(path), "MODULE", None)
        if not isinstance(declared, Module):
            raise TypeError(f"{path} declares no MODULE")
        modules.append(declared)
    return tuple(modules)


# What the hub is made of, one line each, in the order they start (and the reverse of how they stop). The
# only place under hub/ that names a module above it: webhooks and oauth on the hub, connectors and features
# on those.
MODULES = load_modules(
    "hub.tenancy.module",
    "hub.records.module",
    "hub.events.module",
    "hub.jobs.module",
    "hub.actions",
    "hub.web.module",
    "webhooks.module",
    "oauth.module",
    "oauth.server.module",
    "connectors.quickbooks.module",
    "connectors.xero.module",
    "connectors.accounting.module",
    "connectors.slack.module",
    "connectors.twilio.module",
    "connectors.resthooks.module",
    "connectors.zapier.module",
    "connectors.make.module",
    "connectors.clearbit.module",
    "connectors.hunter.module",
    "connectors.openai.module",
    "connectors.anthropic.module",
    "core_features.competitors.module",
    "core_features.enrichment.module",
    "core_features.commissions.module",
    "core_features.writing.module",
    "core_features.sentiment.module",
    "core_features.territories.module",
    "core_features.insights.module",
)


@get("/health", summary="Liveness", tags=["Operations"], include_in_schema=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", summary="Readiness: the database and, when configured, the broker answer", tags=["Operations"])
async def ready(request: Request[Any, Any, Any]) -> Response[Any]:
    hub = Hub.of(request)
    checks: dict[str, str] = {}
    try:
        async with hub.engine.connect() as conn:
            async with asyncio.timeout(3):
                await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if hub.settings.broker_url:
        checks["broker"] = await _broker_check(hub.settings.broker_url)
    if all(v == "ok" for v in checks.values()):
        return Response({"status": "ready", "checks": checks})
    response = problem_response(request, status=503, slug="not-ready", title="Not ready",
                                detail=", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"))
    response.content["checks"] = checks
    return response


async def _broker_check(url: str) -> str:
    import aio_pika

    try:
        async with asyncio.timeout(3):
            connection = await aio_pika.connect(url)
        await connection.close()
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None,
               modules: tuple[Module, ...] = MODULES) -> Litestar:
    """Build the hub: settings from the environment unless given, catalog checked before anything starts."""
    settings = settings or load_settings()
    observability.configure_logging(settings.log_level, settings.log_format)
    hub = Hub(settings, modules, catalog=catalog)
    app = Litestar(
        route_handlers=[health, ready, observability.PrometheusController, *apidocs.asset_routes()],
        plugins=[HubPlugin(hub)],
        exception_handlers={**exception_handlers, Replayed: replayed_answer},
        middleware=[observability.request_context, _shield(settings), observability.prometheus_config().middleware],
        openapi_config=apidocs.openapi_config(),
        request_max_body_size=settings.max_request_bytes,
        debug=False,
        before_request=strict_body,
        on_app_init=[_no_default_logging],
    )
    apidocs.install(app)
    return app


def _shield(settings: Settings) -> Any:
    return shield(max_depth=settings.max_json_depth, max_bytes=settings.max_request_bytes,
                  per_minute=settings.anonymous_rate_limit_per_minute, burst=settings.anonymous_rate_limit_burst)


def _no_default_logging(config: AppConfig) -> AppConfig:
    config.logging_config = None
    return config
