"""The OAuth v2 install per workspace, and the installation store on the hub's own tables.

An organization's admin asks for the install page (`start`); the single-use `state` in it names the
organization. Slack sends the admin back to the public callback, where `complete` exchanges the code
through `oauth.v2.access` and keeps the bot token sealed. `end` forgets it when Slack says the app was
uninstalled or its token revoked, and `disconnect` when the organization's admin asks.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import AuthorizeUrlGenerator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.slack.catalog import SLACK_INSTALLED, SLACK_UNINSTALLED, SlackWorkspaceChanged
from connectors.slack.client import web_client
from connectors.slack.errors import (InstallRefused, NotConfigured, NotInstalled, SlackUnavailable,
                                     WorkspaceTaken)
from connectors.slack.manifest import OAUTH_CALLBACK_PATH, SCOPES, authorize_url
from connectors.slack.models import Installation, InstallRequest
from connectors.slack.settings import SlackSettings
from hub.catalog import ActionContext, EventType
from hub.crypto import Cipher
from hub.db import new_id, utcnow
from hub.events.service import emit
from hub.settings import Settings

__all__ = ["STATE_TTL", "Installs"]

STATE_TTL = timedelta(minutes=10)
log = structlog.get_logger("connectors.slack")


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass(frozen=True)
class Installs:
    """Finds, seals and ends installations; every lookup goes through a live team or a live organization."""

    settings: Settings
    cipher: Cipher

    @property
    def config(self) -> SlackSettings:
        return self.settings.of(SlackSettings)

    # -- the store
    def token(self, installation: Installation) -> str:
        assert installation.bot_token_enc is not None
        sealed = installation.bot_token_enc
        return self.cipher.decrypt(sealed, context=f"slack-bot-token:{installation.id}").decode()

    def _seal(self, installation: Installation, token: str) -> None:
        installation.bot_token_enc = self.cipher.encrypt(token, context=f"slack-bot-token:{installation.id}")

    @staticmethod
    async def for_team(session: AsyncSession, team_id: str | None, *,
                       lock: bool = False) -> Installation | None:
        """The live installation of a workspace, which names its organization."""
        if not team_id:
            return None
        query = select(Installation).where(Installation.team_id == team_id, Installation.state == "installed")
        return await session.scalar(query.with_for_update() if lock else query)

    @staticmethod
    async def for_org(session: AsyncSession, org_id: str, *, lock: bool = False) -> Installation | None:
        query = select(Installation).where(Installation.org_id == org_id, Installation.state == "installed")
        return await session.scalar(query.with_for_update() if lock else query)

    # -- the install flow
    @property
    def redirect_uri(self) -> str:
        return self.settings.public_url.rstrip("/") + OAUTH_CALLBACK_PATH

    def _configured(self) -> None:
        if not self.config.client_id:
            raise NotConfigured("Set HUB_SLACK_CLIENT_ID, HUB_SLACK_CLIENT_SECRET and "
                                "HUB_SLACK_SIGNING_SECRET to the Slack app's credentials first.")

    async def start(self, ctx: ActionContext, *, now: datetime | None = None) -> tuple[str, str, datetime]:
        """The install page's URL, its single-use `state` and when that expires."""
        self._configured()
        now = now or utcnow()
        await ctx.session.execute(delete(InstallRequest).where(InstallRequest.expires_at <= now))
        state = secrets.token_urlsafe(32)
        generator = AuthorizeUrlGenerator(client_id=self.config.client_id, scopes=list(SCOPES),
                                          redirect_uri=self.redirect_uri,
                                          authorization_url=authorize_url(self.config.api_url))
        expires_at = now + STATE_TTL
        ctx.session.add(InstallRequest(state_hash=_hash(state), org_id=ctx.org_id,
                                       redirect_uri=self.redirect_uri, created_at=now, expires_at=expires_at))
        await ctx.session.flush()
        log.info("slack.install.started", org_id=ctx.org_id)
        return generator.generate(state), state, expires_at

    async def complete(self, session: AsyncSession, *, state: str | None, code: str | None, error: str | None,
                       now: datetime | None = None) -> Installation:
        """Spend the state, exchange the code, keep the installation; the state is spent even on failure."""
        self._configured()
        now = now or utcnow()
        request = await self._claim(session, state, now)
        if error:
            raise InstallRefused(f"Slack did not grant access ({error[:50]}); nothing was installed.")
        if not code or len(code) > 2048:
            raise InstallRefused("The callback carries no usable `code`; nothing was installed.")
        grant = await self._exchange(code, request.redirect_uri)
        return await self._keep(session, request.org_id, grant, now)

    async def _claim(self, session: AsyncSession, state: str | None, now: datetime) -> InstallRequest:
        if not state or len(state) > 200:
            raise InstallRefused("The callback carries no valid `state`.")
        request = (await session.execute(delete(InstallRequest).where(
            InstallRequest.state_hash == _hash(state)).returning(InstallRequest))).scalar_one_or_none()
        if request is None:
            raise InstallRefused("The `state` is unknown or was already used; start the install again.")
        if request.expires_at <= now:
            raise InstallRefused("The install took too long and expired; start it again.")
        return request

    async def _exchange(self, code: str, redirect_uri: str) -> dict[str, Any]:
        try:
            answer = await web_client(self.config).oauth_v2_access(
                client_id=self.config.client_id, client_secret=self.config.client_secret,
                code=code, redirect_uri=redirect_uri)
        except SlackApiError as exc:
            raise InstallRefused(f"Slack refused the install code ({_error(exc)}).") from None
        except Exception as exc:  # network, timeout, a body that is not JSON
            raise SlackUnavailable(f"oauth.v2.access failed ({type(exc).__name__}); try again.") from None
        grant = dict(answer.data) if isinstance(answer.data, dict) else {}
        if grant.get("token_type") != "bot" or not str(grant.get("access_token", "")).startswith("xoxb-"):
            raise InstallRefused("Slack answered without a bot token; check the app's bot scopes.")
        if not (grant.get("team") or {}).get("id"):
            raise InstallRefused("Slack answered without a workspace (an org-wide install is not supported).")
        return grant

    async def _keep(self, session: AsyncSession, org_id: str, grant: dict[str, Any],
                    now: datetime) -> Installation:
        team = grant["team"]
        holder = await self.for_team(session, team["id"], lock=True)
        if holder is not None and holder.org_id != org_id:
            raise WorkspaceTaken("This Slack workspace is connected to another organization; it must "
                                 "uninstall the app first.")
        current = holder or await self.for_org(session, org_id, lock=True)
        if current is not None and current.team_id != team["id"]:
            raise WorkspaceTaken(f"This organization already has the workspace {current.team_name!r} "
                                 f"installed; disconnect it first (DELETE /v1/slack/installation).")
        installation = current or Installation(id=new_id("sli"), org_id=org_id, team_id=team["id"],
                                               created_at=now)
        installation.team_name, installation.app_id = team.get("name"), grant.get("app_id")
        installation.bot_user_id = grant.get("bot_user_id")
        installation.installed_by = (grant.get("authed_user") or {}).get("id")
        installation.scopes = sorted(filter(None, str(grant.get("scope", "")).split(",")))
        installation.state, installation.installed_at, installation.updated_at = "installed", now, now
        self._seal(installation, str(grant["access_token"]))
        try:
            async with session.begin_nested():  # a lost race must not undo the spent state
                session.add(installation)
                await session.flush()
        except IntegrityError:  # another install of the same workspace or organization won the race
            raise WorkspaceTaken("This workspace or organization was just connected by another "
                                 "install.") from None
        _emit(session, installation, SLACK_INSTALLED, None, now)
        log.info("slack.install.completed", org_id=org_id, installation_id=installation.id)
        return installation

    # -- the end of an installation
    async def end(self, session: AsyncSession, team_id: str | None, *, state: str, reason: str,
                  bot_user_ids: list[str] | None = None, now: datetime | None = None) -> Installation | None:
        """Forget the token of a workspace's live installation (Slack's app_uninstalled or tokens_revoked).
        With `bot_user_ids`, only when the installation's bot is among them; answers the ended one."""
        installation = await self.for_team(session, team_id, lock=True)
        if installation is None:
            return None
        bot = installation.bot_user_id
        if bot_user_ids is not None and bot and bot not in bot_user_ids:
            return None
        return await self._finish(session, installation, state, reason, now or utcnow())

    async def disconnect(self, ctx: ActionContext, *, now: datetime | None = None) -> Installation:
        """Revoke the bot token at Slack (auth.revoke) if it can, then forget it; 404 if none is installed."""
        installation = await self.for_org(ctx.session, ctx.org_id, lock=True)
        if installation is None:
            raise NotInstalled("This organization has no Slack workspace installed.")
        reason = "disconnected by an admin of the organization"
        try:
            await web_client(self.config, self.token(installation)).auth_revoke()
        except Exception as exc:  # the token is forgotten here in any case
            why = _error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            reason += f"; auth.revoke failed ({why})"
            log.warning("slack.revoke.failed", installation_id=installation.id, error=why)
        return await self._finish(ctx.session, installation, "uninstalled", reason, now or utcnow())

    async def _finish(self, session: AsyncSession, installation: Installation, state: str, reason: str,
                      now: datetime) -> Installation:
        installation.state, installation.bot_token_enc = state, None
        installation.ended_at, installation.ended_reason, installation.updated_at = now, reason[:200], now
        await session.flush()
        _emit(session, installation, SLACK_UNINSTALLED, reason, now)
        log.info("slack.install.ended", org_id=installation.org_id, installation_id=installation.id,
                 state=state)
        return installation


def _error(exc: SlackApiError) -> str:
    """Slack's error code (`invalid_code`, `ratelimited`…), never the request."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "error"))[:60]
    return f"HTTP {exc.response.status_code}"


def _emit(session: AsyncSession, installation: Installation, event: EventType[SlackWorkspaceChanged],
          reason: str | None, now: datetime) -> None:
    changed = SlackWorkspaceChanged(installation_id=installation.id, team_id=installation.team_id,
                                    team_name=installation.team_name, state=installation.state,  # type: ignore[arg-type]
                                    reason=reason)
    emit(session, installation.org_id, event, changed, subject_id=installation.id, occurred_at=now)
