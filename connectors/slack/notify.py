"""Notifications: each organization's rules, matched against its committed events, posted as Block Kit.

The relay's listener (`on_events`) matches a batch against the active rules of the events' own
organizations and queues one `slack.notify` job per event and rule, in the relay's transaction and
under the key `<event id>:<rule id>`, so an event seen twice is posted once. The job (`handle`) posts
with the workspace's bot token; Slack's 429 is retried after exactly its `Retry-After`, and a
workspace that was uninstalled, a rule that was turned off, or a channel the bot may not post in ends
the job without a post.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
import structlog
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.slack.blocks import event_message, lookups
from connectors.slack.errors import BadRule, SlackUnavailable
from connectors.slack.client import web_client
from connectors.slack.install import Installs
from connectors.slack.models import Installation, Rule
from connectors.slack.settings import SlackSettings
from hub import outside
from hub.catalog import Catalog, output_fields
from hub.events.models import Event
from hub.jobs import GiveUp, Job, JobContext, enqueue

__all__ = ["CHANNEL", "Condition", "KIND", "check_rule", "handle", "holds", "matches", "on_events"]

KIND = "slack.notify"
CHANNEL = re.compile(r"^[CG][A-Z0-9]{5,30}$")  # a public (C…) or private (G…) channel id
DEFAULT_RETRY_AFTER = 30.0  # a 429 without Retry-After; Slack always sends it, per its docs
# Slack errors that no retry can fix: the job ends and says why. The token's own trouble first.
REVOKED = {"invalid_auth", "token_revoked", "account_inactive", "not_authed", "team_access_not_granted",
           "missing_scope", "no_permission"}
PERMANENT = REVOKED | {"channel_not_found", "not_in_channel", "is_archived", "restricted_action", "invalid_blocks",
                       "msg_too_long", "invalid_arguments"}
log = structlog.get_logger("connectors.slack")
Scalar = str | int | float | bool | None
Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in"]


class Condition(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`field` of the event's data compared with `value`: numbers as numbers (so "48000" ≥ 10000), the rest
    exactly; `in` takes a list."""

    field: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    op: Op
    value: Scalar | Annotated[list[Scalar], msgspec.Meta(max_length=50)]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _equal(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    return a == b if a is not None and b is not None else left == right


def holds(condition: Condition, data: dict[str, Any]) -> bool:
    left, op, right = data.get(condition.field), condition.op, condition.value
    if op == "eq":
        return _equal(left, right)
    if op == "ne":
        return not _equal(left, right)
    if op == "in":
        return isinstance(right, list) and any(_equal(left, item) for item in right)
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def matches(conditions: list[dict[str, Any]], data: dict[str, Any]) -> bool:
    """Every condition holds (no condition: every event of the type)."""
    return all(holds(msgspec.convert(c, Condition), data) for c in conditions)


def check_rule(catalog: Catalog, event_type: str, channel: str, conditions: list[Condition]) -> None:
    """422 unless the event type is declared, each field is one of its fields, and the channel is an id."""
    event = catalog.events.get(event_type)
    if event is None:
        raise BadRule(f"{event_type!r} is not an event type of the catalog (GET /v1/catalog).",
                      errors=[{"field": "event_type", "message": "unknown event type"}])
    if not CHANNEL.match(channel):
        raise BadRule("channel must be a Slack channel id such as C0123ABCD (from the channel's details), "
                      "not its name.", errors=[{"field": "channel", "message": "not a channel id"}])
    fields = {f["key"] for f in output_fields(event.payload)}
    for i, condition in enumerate(conditions):
        if condition.field not in fields:
            raise BadRule(f"conditions[{i}].field: {event_type} has no field {condition.field!r}; it has "
                          f"{', '.join(sorted(fields))}.", errors=[{"field": f"conditions[{i}].field",
                                                                     "message": "unknown field"}])
        numeric = condition.op in ("gt", "gte", "lt", "lte")
        if numeric and _number(condition.value) is None:
            raise BadRule(f"conditions[{i}].value: {condition.op} compares numbers; give a number.",
                          errors=[{"field": f"conditions[{i}].value", "message": "not a number"}])
        if (condition.op == "in") != isinstance(condition.value, list):
            raise BadRule(f"conditions[{i}].value: a list goes with `in`, and only with it.",
                          errors=[{"field": f"conditions[{i}].value", "message": "list only with in"}])


# -- the relay's listener
async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """Queue a `slack.notify` job for each event and each active rule of its own organization it meets."""
    orgs, types = {e.org_id for e in events}, {e.type for e in events}
    rules = (await session.scalars(select(Rule).where(Rule.active.is_(True), Rule.org_id.in_(orgs),
                                                      Rule.event_type.in_(types)))).all()
    if not rules:
        return
    installed = dict((await session.execute(select(Installation.org_id, Installation.id).where(
        Installation.org_id.in_({r.org_id for r in rules}), Installation.state == "installed"))).all())
    by_key: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in rules:
        by_key[(rule.org_id, rule.event_type)].append(rule)
    for event in events:
        for rule in by_key.get((event.org_id, event.type), []):
            if event.org_id in installed and matches(rule.conditions, event.data):
                await enqueue(session, event.org_id, KIND, _payload(event, rule, installed[event.org_id]),
                              key=f"{event.id}:{rule.id}")


def _payload(event: Event, rule: Rule, installation_id: str) -> dict[str, Any]:
    return {"rule_id": rule.id, "installation_id": installation_id,
            "event": {"id": event.id, "type": event.type, "subject_type": event.subject_type,
                      "subject_id": event.subject_id, "data": event.data}}


# -- the job
async def handle(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Post one notification; answers where it went (channel and message ts)."""
    event = job.payload["event"]
    async with ctx.sessions() as session:
        installation = await session.scalar(select(Installation).where(
            Installation.id == job.payload["installation_id"], Installation.org_id == job.org_id))
        if installation is None or installation.state != "installed":
            raise GiveUp("the Slack workspace was uninstalled or its token revoked; nothing was posted")
        rule = await session.scalar(select(Rule).where(Rule.id == job.payload["rule_id"],
                                                       Rule.org_id == job.org_id))
        if rule is None or not rule.active:
            raise GiveUp("the rule was deleted or turned off before the message went out")
        names = await lookups(session, job.org_id, event["data"])
        token, channel = Installs(ctx.settings, ctx.cipher).token(installation), rule.channel
    text, blocks = event_message(event["type"], event["data"], names, subject_type=event.get("subject_type"),
                                 subject_id=event.get("subject_id"))
    try:
        answer = await web_client(ctx.config(SlackSettings), token).chat_postMessage(
            channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
    except SlackApiError as exc:
        raise _verdict(exc) from None
    log.info("slack.notify.posted", org_id=job.org_id, rule_id=rule.id, event_id=event["id"])
    return {"channel": answer.get("channel"), "ts": answer.get("ts")}


class SlackRateLimited(outside.RateLimited):
    """Slack answered 429; try again after `retry_after` seconds."""

    service = "slack"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SlackRejected(outside.Rejected):
    """Slack refused the call in a way no retry fixes (the channel is gone, the message too long)."""

    service = "slack"


class SlackAuthRevoked(outside.AuthorizationRevoked):
    """The workspace's token was revoked, or lacks what the call needs."""

    service = "slack"


def _verdict(exc: SlackApiError) -> Exception:
    """What a refused post means for the job, in the shared vocabulary: later (429, after Retry-After from
    Slack's answer), never (the token's trouble, or another PERMANENT error), or the usual backoff."""
    response = exc.response
    error = response.get("error") if isinstance(response.data, dict) else None
    if response.status_code == 429:
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        after = _number(headers.get("retry-after"))
        seconds = float(after) if after is not None and after >= 0 else DEFAULT_RETRY_AFTER
        return SlackRateLimited(f"Slack answered 429 (ratelimited); Retry-After {seconds:g} s", seconds)
    if error in REVOKED:
        return SlackAuthRevoked(f"Slack refused the workspace's token ({error})")
    if error in PERMANENT:
        return SlackRejected(f"Slack refused the message ({error})")
    return SlackUnavailable(f"Slack answered HTTP {response.status_code} ({error or 'no error code'})")
