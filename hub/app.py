"""The Litestar application, wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any, AsyncIterator

import structlog
from litestar import Litestar, Request, Response, Router, get
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import QueryParameter
from sqlalchemy import text

from connectors.accounting.endpoints import (SyncLogController, choose_account, quickbooks_webhook,
                                             xero_webhook)
from connectors.resthooks.endpoints import (ChoiceController, HookController, TriggerController,
                                            read_action_fields)
from connectors.slack import Slack
from connectors.slack.endpoints import SlackController, slack_router
from connectors.twilio.embed import embed_router
from connectors.twilio.endpoints import CallController, TelephonyController
from connectors.twilio.inbound import twilio_router
from hub import actions, observability
from hub.catalog import Catalog, build_catalog
from hub.crypto import Cipher
from hub.db import create_engine, session_factory
from hub.deps import API_DEPENDENCIES
from hub.errors import BadRequest, exception_handlers, problem_response
from hub.events.endpoints import EventController
from hub.events.outbox import Relay
from hub.idempotency import purge_expired
from hub.jobs import JobRunner, build_registry
from hub.jobs.endpoints import JobController
from hub.records.conversion import convert_lead
from hub.records.definitions import RESOURCES
from hub.records.endpoints import controller_for
from hub.settings import Settings, load_settings
from hub.tenancy.auth import KeyCache, KeyUsage, RateLimiter
from hub.tenancy.endpoints import ApiKeyController, me
from oauth.endpoints import ConnectionController, oauth_callback
from oauth.server.endpoints import oauth_server_router
from oauth.server.service import purge as purge_oauth_server
from oauth.service import OAuth, purge_authorizations
from webhooks.endpoints import EndpointController, MessageController
from webhooks.fanout import FanOut
from webhooks.portal import create_portal_link, portal_router, template_config
from webhooks.rabbitmq import RabbitBackend
from webhooks.service import Webhooks, purge_payloads
from webhooks.ssrf import Policy
from webhooks.worker import Worker

__all__ = ["create_app"]

log = structlog.get_logger("hub.app")


@get("/health", summary="Liveness", tags=["Operations"], include_in_schema=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", summary="Readiness: the database and, when configured, the broker answer", tags=["Operations"])
async def ready(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    checks: dict[str, str] = {}
    try:
        async with state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=3)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if state.settings.broker_url:
        checks["broker"] = await _broker_check(state.settings.broker_url)
    if all(v == "ok" for v in checks.values()):
        return Response({"status": "ready", "checks": checks})
    response = problem_response(request, status=503, slug="not-ready", title="Not ready",
                                detail=", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"))
    response.content["checks"] = checks
    return response


async def _broker_check(url: str) -> str:
    import aio_pika

    try:
        connection = await asyncio.wait_for(aio_pika.connect(url), timeout=3)
        await connection.close()
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


async def _strict_input(request: Request[Any, Any, Any]) -> None:
    """Refuse query parameters no handler reads, and NUL characters, which no text column can store."""
    accepted = {field.kwarg_definition.name or name
                for name, field in request.route_handler.parsed_fn_signature.parameters.items()
                if isinstance(field.kwarg_definition, QueryParameter)}
    if unknown := set(request.query_params) - accepted:
        raise BadRequest(f"Unknown query parameters: {', '.join(sorted(unknown))}; this endpoint takes "
                         f"{', '.join(sorted(accepted)) or 'none'}.")
    if b"%00" in request.scope["query_string"] or "\x00" in request.scope["path"] or (
            request.method in ("POST", "PATCH", "PUT") and rb"\u0000" in await request.body()):
        raise BadRequest("NUL characters (\\u0000) are not accepted.")


def _api_router() -> Router:
    controllers = [controller_for(r) for r in RESOURCES.values()]
    return Router(path="/", route_handlers=[
        *controllers, EventController, ApiKeyController, me, convert_lead, actions.read_catalog,
        actions.run_action, JobController,
        # webhooks and the portal
        EndpointController, MessageController, create_portal_link,
        # connections to outside accounts, and the accounting sync
        ConnectionController, oauth_callback, choose_account, SyncLogController, quickbooks_webhook,
        xero_webhook,
        # Zapier and Make
        HookController, TriggerController, read_action_fields, ChoiceController,
        # Slack and Twilio
        SlackController, TelephonyController, CallController,
    ], dependencies=API_DEPENDENCIES, before_request=_strict_input)


def build_state(settings: Settings, catalog: Catalog) -> State:
    """Everything a hub process shares: API servers and `hub worker` processes build the same."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    cipher = Cipher.from_settings(settings)
    worker = Worker(sessions, cipher, settings)
    rabbit = (RabbitBackend(worker, settings.broker_url, prefix=settings.broker_queue_prefix)
              if settings.broker_url else None)
    consumers = (rabbit.relay_consumers(settings.webhook_max_payload_bytes) if rabbit
                 else [FanOut(settings.webhook_max_payload_bytes)])
    registry = build_registry()

    def after_relay() -> None:
        state.jobs.wake()
        if not rabbit:
            worker.wake()

    state = State({
        "settings": settings,
        "engine": engine,
        "sessions": sessions,
        "catalog": catalog,
        "rate_limiter": RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
        "key_usage": KeyUsage(sessions),
        "key_cache": KeyCache(settings.key_cache_seconds),
        "relay": Relay(sessions, consumers=[*consumers, registry.consume],
                       interval=settings.relay_interval_seconds, after_commit=after_relay),
        "rabbit": rabbit,
        "cipher": cipher,
        "oauth": OAuth.from_settings(settings, cipher),
        "worker": worker,
        "webhooks": Webhooks(cipher, Policy.parse(settings.webhook_allowed_hosts), catalog,
                             timedelta(hours=settings.webhook_secret_grace_hours)),
    })
    state.jobs = JobRunner(state, registry)
    state.slack = Slack(state)
    return state


@contextlib.asynccontextmanager
async def _background(app: Litestar) -> AsyncIterator[None]:
    """The relay, the delivery worker, key-usage flushing and retention run beside the server, and stop with it."""
    state = app.state
    async with state.worker:
        delivers = state.settings.serve_delivers
        tasks = [asyncio.create_task(state.relay.run(), name="outbox-relay"),
                 asyncio.create_task(state.rabbit.run(consume=delivers) if state.rabbit
                                     else state.worker.run() if delivers else asyncio.Event().wait(),
                                     name="webhook-worker"),
                 asyncio.create_task(state.jobs.run() if delivers else asyncio.Event().wait(), name="jobs"),
                 asyncio.create_task(state.key_usage.run(), name="key-usage"),
                 asyncio.create_task(_maintenance(state), name="maintenance")]
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # Slack work acknowledged but not yet done
                await asyncio.wait_for(state.slack.drain(), timeout=state.settings.webhook_timeout)
            if state.rabbit:  # let attempts under way finish and be recorded, then stop
                await state.rabbit.drain(timeout=state.settings.webhook_timeout)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if state.rabbit:
                await state.rabbit.close()
            with contextlib.suppress(Exception):
                await state.key_usage.flush()
            await state.engine.dispose()


async def _maintenance(state: State, every: float = 3600.0) -> None:
    while True:
        try:
            async with state.sessions.begin() as session:
                purged = await purge_expired(session, state.settings.idempotency_ttl_hours)
                payloads = await purge_payloads(session, timedelta(days=state.settings.webhook_retention_days))
                authorizations = await purge_authorizations(session)
                provider = await purge_oauth_server(session)
            log.info("maintenance.purged", idempotency_keys=purged, webhook_payloads=payloads,
                     oauth_authorizations=authorizations, oauth_server_rows=provider)
        except Exception as exc:
            log.warning("maintenance.idempotency.failed", error_class=type(exc).__name__)
        if state.settings.serve_delivers:  # the processes that run jobs also keep quiet grants alive
            try:
                refreshed = await state.oauth.refresh_idle(state.sessions)
                log.info("maintenance.oauth_refreshed", connections=refreshed)
            except Exception as exc:
                log.warning("maintenance.oauth_refresh.failed", error_class=type(exc).__name__)
        await asyncio.sleep(every)


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="CRM integration hub", version="1", path="/schema",
        description="Records, events, the trigger/action catalog and the delivery gateway of the CRM.",
        render_plugins=[SwaggerRenderPlugin(), RedocRenderPlugin()],
        components=Components(security_schemes={"apiKey": SecurityScheme(type="http", scheme="bearer",
                                                                         description="An API key: hub_…")}),
        security=[{"apiKey": []}],
    )


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> Litestar:
    """Build the hub: settings from the environment unless given, catalog checked before anything starts."""
    settings = settings or load_settings()
    observability.configure_logging(settings.log_level, settings.log_format)
    catalog = catalog or build_catalog()
    state = build_state(settings, catalog)
    return Litestar(
        route_handlers=[health, ready, observability.PrometheusController, _api_router(), portal_router(),
                        twilio_router(), embed_router(), slack_router(), oauth_server_router()],
        state=state,
        dependencies={"catalog": Provide(lambda: catalog, use_cache=True, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        middleware=[observability.request_context, observability.prometheus_config().middleware],
        openapi_config=_openapi(),
        template_config=template_config(),
        lifespan=[_background],
        request_max_body_size=settings.max_request_bytes,
        debug=False,
        on_app_init=[_no_default_logging],
    )


def _no_default_logging(config: AppConfig) -> AppConfig:
    config.logging_config = None
    return config


