"""The hub's Bolt `AsyncApp`: signed requests in, the workspace resolved to its organization, the listeners.

Slack sends slash commands, button clicks and Events API callbacks to one request URL (`/slack/events`).
The hub checks the v0 signature first (to answer a refusal as problem details), then hands the request
to Bolt's own ASGI handler, which checks it again and dispatches it. `authorize` finds the workspace's
live installation: its organization goes into the Bolt context, its bot token into the client; a
workspace that is not installed is told so.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from typing import Any, AsyncIterator, Mapping

import structlog
from litestar.types import ASGIApp
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from connectors.slack import actions, commands
from connectors.slack.errors import NotConfigured, SignatureRefused
from connectors.slack.client import web_client
from connectors.slack.install import Installs
from connectors.slack.manifest import EVENTS_PATH
from connectors.slack.settings import SlackSettings
from hub.errors import BadRequest
from hub.runtime import Hub

__all__ = ["MAX_AGE", "NOT_INSTALLED", "ShortRateLimitWait", "Slack"]

MAX_AGE = 300  # seconds a signed request stays acceptable, as Slack's docs and SDK say
SHORT_WAIT = 5  # seconds of Retry-After a listener waits out once, with someone waiting for its answer
NOT_INSTALLED = (":electric_plug: This Slack workspace is not connected to a CRM organization (or was "
                 "disconnected). To connect it, an admin of your CRM organization installs the Slack app from the "
                 "CRM (`POST /v1/slack/install` with an admin key) and approves it for this workspace; then try "
                 "`/crm help`.")
log = structlog.get_logger("connectors.slack")
# slack_sdk logs whole Web API answers at DEBUG, oauth.v2.access's bot token among them: never below INFO.
logging.getLogger("slack_sdk").setLevel(logging.INFO)


class ShortRateLimitWait(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's own 429 handler (it sleeps the Retry-After, then calls again), only when Slack asks for a
    few seconds: a listener answers a person, and a longer wait is better said than sat through."""

    async def _can_retry_async(self, *, state: Any, request: Any, response: Any = None,
                               error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        after = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after"), "")
        return after.isascii() and after.isdigit() and int(after) <= SHORT_WAIT


class Slack:
    """The Slack side of a hub process (`hub.service(Slack)`): the Bolt app and the work its listeners run."""

    def __init__(self, hub: Hub) -> None:
        self.hub, self.config = hub, hub.config(SlackSettings)
        self.installs = Installs(hub.settings, hub.cipher)
        self._work: set[asyncio.Task[Any]] = set()
        self.bolt = self._bolt() if self.configured else None
        self._handler = AsyncSlackRequestHandler(self.bolt, path=EVENTS_PATH) if self.bolt else None

    @property
    def configured(self) -> bool:
        return bool(self.config.signing_secret)

    # -- requests from Slack
    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        """Refuse a request whose signature is missing, wrong, or older (or newer) than five minutes."""
        if not self.configured:
            raise NotConfigured("Slack is not configured on this hub (HUB_SLACK_SIGNING_SECRET).")
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not timestamp or not signature:
            raise SignatureRefused("X-Slack-Signature and X-Slack-Request-Timestamp are required.")
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            raise SignatureRefused("X-Slack-Request-Timestamp must be a Unix time in seconds.")
        if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE:
            raise SignatureRefused("The request is more than five minutes old (or ahead); it may be a "
                                   "replay.")
        verifier = SignatureVerifier(self.config.signing_secret)
        expected = verifier.generate_signature(timestamp=timestamp, body=body)
        if not expected or not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureRefused("The signature does not match the body; the request was not sent by "
                                   "Slack.")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The body is not UTF-8.") from None

    def asgi(self, body: bytes) -> ASGIApp:
        """Bolt's ASGI handler, fed the body the hub already read (and bounded) and checked."""
        assert self._handler is not None
        handler = self._handler

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await handler(scope, replay, send)
        return app

    # -- the work listeners do after acknowledging
    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._work.add(task)
        try:
            yield
        finally:
            self._work.discard(task)  # type: ignore[arg-type]

    async def drain(self) -> None:
        """Wait for the work listeners are doing after their acknowledgement (shutdown, tests)."""
        # Bolt acknowledges Events API callbacks itself and starts their listener as a task, which enters
        # `track()` on its first step: one turn of the loop lets every such task begin.
        await asyncio.sleep(0)
        while pending := self._work - {asyncio.current_task()}:
            await asyncio.gather(*pending, return_exceptions=True)

    # -- the Bolt app
    def _bolt(self) -> AsyncApp:
        # Bolt passes listeners and `authorize` only the arguments they name, read from their signatures,
        # so they are plain functions here, not bound methods (whose `self` it would try to fill).
        async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None,
                            context: Any) -> AuthorizeResult | None:
            return await self._authorize(enterprise_id, team_id, user_id, context)

        async def uninstalled(context: Any) -> None:
            async with self.track():
                await self._end(context.team_id, "uninstalled", "the app was uninstalled from the workspace",
                                None)

        async def revoked(event: dict[str, Any], context: Any) -> None:
            async with self.track():
                bots = [str(b) for b in ((event.get("tokens") or {}).get("bot") or [])]
                if bots:  # user tokens (`oauth`) are not kept by the hub
                    await self._end(context.team_id, "revoked", "Slack revoked the bot token", bots)

        client = web_client(self.config)
        client.retry_handlers.append(ShortRateLimitWait(max_retry_count=1))  # Bolt copies it per request
        app = AsyncApp(name="crm-hub", signing_secret=self.config.signing_secret,
                       client=client, authorize=authorize,
                       user_facing_authorize_error_message=NOT_INSTALLED,
                       logger=logging.getLogger("connectors.slack.bolt"))
        commands.register(app, self.hub, self.track)
        actions.register(app, self.hub, self.track)
        app.event("app_uninstalled")(uninstalled)
        app.event("tokens_revoked")(revoked)
        return app

    async def _authorize(self, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                         context: Any) -> AuthorizeResult | None:
        async with self.hub.sessions() as session:
            installation = await self.installs.for_team(session, team_id)
        if installation is None or installation.bot_token_enc is None:
            log.info("slack.request.not_installed", team_id=team_id)
            # Bolt would post the refusal to the request's response_url, and a failure there would make a valid
            # request a 500; without one it answers the refusal in the acknowledgement itself.
            context.pop("response_url", None)
            return None
        context["org_id"], context["installation_id"] = installation.org_id, installation.id
        structlog.contextvars.bind_contextvars(org_id=installation.org_id)
        token = self.installs.token(installation)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
                               bot_user_id=installation.bot_user_id, bot_token=token)

    async def _end(self, team_id: str | None, state: str, reason: str, bots: list[str] | None) -> None:
        async with self.hub.sessions.begin() as session:
            await self.installs.end(session, team_id, state=state, reason=reason, bot_user_ids=bots)
