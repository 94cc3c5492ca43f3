"""`/v1/slack` (install, the installation, notification rules) and the public routes Slack itself calls.

`/slack/events` and `/slack/oauth/callback` take no API key: the first is proven by Slack's signature,
the second by the single-use `state` an admin of the organization was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
import structlog
from litestar import Controller, Request, Response, Router, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.types import ASGIApp
from msgspec import UNSET, Meta, UnsetType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from connectors.slack.bolt import MAX_AGE, Slack
from connectors.slack.errors import NotInstalled, SlackError
from connectors.slack.manifest import EVENTS_PATH, OAUTH_CALLBACK_PATH
from connectors.slack.models import Rule
from connectors.slack.notify import Condition, check_rule
from connectors.slack.replays import first_time, request_key
from hub.db import new_id, utcnow
from hub.deps import Ctx, provide_session
from hub.errors import NotFound, PreconditionFailed, problem_response
from hub.pagination import newest_first
from hub.records.endpoints import IfMatch, etag, parse_if_match
from hub.runtime import Hub

__all__ = ["SlackController", "slack_router"]

log = structlog.get_logger("connectors.slack")

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Param = Annotated[str | None, QueryParameter(max_length=4096)]
# `state` is a name Litestar reserves for its own object, so the parameter is read under an alias.
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=4096)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
EventType = Annotated[str, Meta(min_length=3, max_length=100)]
Channel = Annotated[str, Meta(min_length=1, max_length=32, description="A channel id, such as C0123ABCD")]
Conditions = Annotated[list[Condition], Meta(max_length=20)]


class InstallStarted(msgspec.Struct, kw_only=True):
    """Where to send the admin who installs the app; `state` is valid once, until `expires_at`."""

    authorize_url: str
    state: str
    expires_at: datetime


class InstallationOut(msgspec.Struct, kw_only=True):
    """The organization's workspace; never its token."""

    id: str
    team_id: str
    team_name: str | None
    app_id: str | None
    bot_user_id: str | None
    scopes: list[str]
    installed_by: str | None
    state: Literal["installed", "uninstalled", "revoked"]
    installed_at: datetime
    ended_at: datetime | None
    ended_reason: str | None
    created_at: datetime
    updated_at: datetime


class Installed(msgspec.Struct, kw_only=True):
    """The install callback's answer once the bot token is kept."""

    status: Literal["installed"]
    installation_id: str
    team_id: str
    team_name: str | None


class RuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Post each `event_type` event that meets every condition to `channel`."""

    name: Name
    event_type: EventType
    channel: Channel
    conditions: Conditions = msgspec.field(default_factory=list)
    active: bool = True


class RulePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    event_type: EventType | UnsetType = UNSET
    channel: Channel | UnsetType = UNSET
    conditions: Conditions | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class RuleOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    event_type: str
    channel: str
    conditions: list[Condition]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class RulePage(msgspec.Struct, kw_only=True):
    data: list[RuleOut]
    next_cursor: str | None


def _out(row: Any, kind: type[msgspec.Struct]) -> Any:
    return msgspec.convert(row, kind, from_attributes=True)


async def _rule(ctx: Any, rule_id: str, if_match: int | None = None) -> Rule:
    rule = await ctx.session.scalar(select(Rule).where(Rule.id == rule_id, Rule.org_id == ctx.org_id))
    if rule is None:
        raise NotFound(f"No Slack rule {rule_id!r} in this organization.")
    if if_match is not None and if_match != rule.version:
        raise PreconditionFailed(f"If-Match names version {if_match}; the rule is at version {rule.version}.")
    return rule


def _one(rule: Rule, status: int = 200) -> Response[RuleOut]:
    return Response(_out(rule, RuleOut), status_code=status, headers={"ETag": etag(rule.version)})


async def _flush(ctx: Any) -> None:
    try:
        await ctx.session.flush()
    except StaleDataError:
        raise PreconditionFailed("The rule was changed by another request; read it again.") from None


class SlackController(Controller):
    path = "/v1/slack"
    tags = ["Slack"]

    @post("/install", status_code=201, opt={"scope": "admin"}, summary="Start installing the Slack app",
          description="Answers Slack's install page for a workspace admin, with a single-use `state` that "
                      "names this organization; Slack sends the admin back to `/slack/oauth/callback`.")
    async def start_install(self, ctx: Ctx, request: Request) -> InstallStarted:
        url, state, expires_at = await Hub.of(request).service(Slack).installs.start(ctx)
        return InstallStarted(authorize_url=url, state=state, expires_at=expires_at)

    @get("/installation", summary="Read the installed workspace")
    async def read_installation(self, ctx: Ctx, request: Request) -> InstallationOut:
        installation = await Hub.of(request).service(Slack).installs.for_org(ctx.session, ctx.org_id)
        if installation is None:
            raise NotInstalled("This organization has no Slack workspace installed.")
        return _out(installation, InstallationOut)

    @delete("/installation", status_code=200, opt={"scope": "admin"}, summary="Disconnect the workspace",
            description="Revokes the bot token at Slack (auth.revoke) and forgets it; notifications stop.")
    async def disconnect(self, ctx: Ctx, request: Request) -> InstallationOut:
        return _out(await Hub.of(request).service(Slack).installs.disconnect(ctx), InstallationOut)

    @post("/rules", status_code=201, summary="Create a notification rule")
    async def create_rule(self, ctx: Ctx, request: Request, data: JSONBody[RuleIn]) -> Response[RuleOut]:
        check_rule(Hub.of(request).catalog, data.event_type, data.channel, data.conditions)
        rule = Rule(id=new_id("slr"), org_id=ctx.org_id, name=data.name, event_type=data.event_type,
                    channel=data.channel, conditions=msgspec.to_builtins(data.conditions), active=data.active)
        ctx.session.add(rule)
        await _flush(ctx)
        return _one(rule, 201)

    @get("/rules", summary="List notification rules")
    async def list_rules(self, ctx: Ctx, limit: Limit = 50, cursor: FromQuery[str | None] = None) -> RulePage:
        query = select(Rule).where(Rule.org_id == ctx.org_id)
        rows, next_cursor = await newest_first(ctx.session, query, Rule.id, "slack_rules", cursor, limit)
        return RulePage(data=[_out(r, RuleOut) for r in rows], next_cursor=next_cursor)

    @get("/rules/{rule_id:str}", summary="Read a notification rule")
    async def read_rule(self, ctx: Ctx, rule_id: FromPath[str]) -> Response[RuleOut]:
        return _one(await _rule(ctx, rule_id))

    @patch("/rules/{rule_id:str}", summary="Change a notification rule",
           description="Only the fields sent change. Send If-Match to refuse a stale write.")
    async def update_rule(self, ctx: Ctx, request: Request, rule_id: FromPath[str],
                          data: JSONBody[RulePatch], if_match: IfMatch = None) -> Response[RuleOut]:
        rule = await _rule(ctx, rule_id, parse_if_match(if_match))
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET}
        conditions = changes.get("conditions", [msgspec.convert(c, Condition) for c in rule.conditions])
        check_rule(Hub.of(request).catalog, changes.get("event_type", rule.event_type),
                   changes.get("channel", rule.channel), conditions)
        if "conditions" in changes:
            changes["conditions"] = msgspec.to_builtins(conditions)
        for name, value in changes.items():
            setattr(rule, name, value)
        rule.updated_at = utcnow()
        await _flush(ctx)
        return _one(rule)

    @delete("/rules/{rule_id:str}", status_code=204, summary="Delete a notification rule")
    async def delete_rule(self, ctx: Ctx, rule_id: FromPath[str], if_match: IfMatch = None) -> None:
        await ctx.session.delete(await _rule(ctx, rule_id, parse_if_match(if_match)))
        await _flush(ctx)


@post(EVENTS_PATH, tags=["Slack"], security=[], status_code=200, summary="Requests from Slack",
      description="Slash commands (`/crm`), button clicks and Events API callbacks (`app_uninstalled`, "
                  "`tokens_revoked`), signed by Slack (v0, at most five minutes old) and handed to the Bolt "
                  "app. An unsigned, forged or stale request is refused with 401.")
async def slack_events(request: Request) -> ASGIApp:
    hub = Hub.of(request)
    slack = hub.service(Slack)
    body = await request.body()
    slack.verify(body, request.headers)
    key = request_key(body, request.headers)
    timestamp = int(request.headers["x-slack-request-timestamp"])
    if key is not None and not await first_time(hub.sessions, key, timestamp, MAX_AGE):
        log.info("slack.request.replay_ignored", kind=key.partition(":")[0])
        return _handled_already
    return slack.asgi(body)


async def _handled_already(scope: Any, receive: Any, send: Any) -> None:
    """The answer to a replay: acknowledged, and nothing done again."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


@get(OAUTH_CALLBACK_PATH, tags=["Slack"], security=[], summary="Where Slack sends the installing admin back",
     description="Needs no API key: the single-use `state` names the organization. Exchanges `code` through "
                 "`oauth.v2.access` and keeps the bot token encrypted.")
async def slack_oauth_callback(request: Request, db: NamedDependency[AsyncSession], code: Param = None,
                               oauth_state: StateParam = None, error: Param = None) -> Response[Any]:
    try:
        installs = Hub.of(request).service(Slack).installs
        installation = await installs.complete(db, state=oauth_state, code=code, error=error)
    except SlackError as exc:
        # Answered, not raised: the spent state is committed, so a replay of this callback is refused too.
        return problem_response(request, status=exc.status, slug=exc.slug, title=exc.title, detail=exc.detail)
    return Response(Installed(status="installed", installation_id=installation.id,
                              team_id=installation.team_id, team_name=installation.team_name))


def slack_router() -> Router:
    """The routes Slack calls, outside the API-key router."""
    return Router(path="/", route_handlers=[slack_events, slack_oauth_callback],
                  dependencies={"db": Provide(provide_session)})
