"""`/crm`: find, deal, lead, pipeline and help, answered within Slack's three seconds.

Help and argument mistakes are answered in the acknowledgement itself. Everything that reads or writes
the CRM is acknowledged at once and answered through the command's `response_url`, as an ephemeral
message; a failure becomes a message there too, never a stack trace.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Awaitable, Callable

import msgspec
import structlog
from slack_bolt.async_app import AsyncApp
from sqlalchemy import func, or_, select

from connectors.slack.blocks import card, esc, lookups, money, record_line
from connectors.slack.manifest import COMMAND
from connectors.slack.people import Refusal, acting_user, transaction
from hub.catalog import ActionContext
from hub.errors import HubError
from hub.records import service
from hub.records.definitions import DEALS, LEADS, RESOURCES
from hub.records.models import Company, Contact, Deal, Lead, Pipeline
from hub.runtime import Hub
from hub.tenancy.models import User

__all__ = ["FAILED", "HELP", "SUBCOMMANDS", "parse", "register"]

log = structlog.get_logger("connectors.slack")
Json = dict[str, Any]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FOUND_PER_KIND = 5
FAILED = ":warning: Something went wrong on our side; it has been logged. Try again in a moment."


@dataclass(frozen=True)
class Subcommand:
    usage: str
    check: Callable[[str], str | None]  # a problem with the arguments, or None
    run: Callable[[ActionContext, User, str], Awaitable[Json]]  # the message to answer with


def _text(what: str) -> Callable[[str], str | None]:
    def check(args: str) -> str | None:
        if not args:
            return f"Say what to look for: {what}."
        return "That is too long to look for; use at most 200 characters." if len(args) > 200 else None
    return check


def _lead_args(args: str) -> str | None:
    email, _, name = args.partition(" ")
    if not EMAIL.match(email) or len(email) > 320:
        return f"`{esc(email or '…', 60)}` is not an email address; the lead's email comes first."
    return "The name can be at most 200 characters." if len(name.strip()) > 200 else None


def _no_args(args: str) -> str | None:
    return f"`pipeline` takes no arguments (got `{esc(args, 60)}`)." if args else None


def parse(text: str) -> tuple[str, str]:
    """The subcommand (lower case) and the rest, with runs of spaces made one."""
    words = " ".join(text.split())
    sub, _, args = words.partition(" ")
    return sub.lower(), args


# -- the subcommands
async def _find(ctx: ActionContext, user: User, query: str) -> Json:
    needle = query.lower()
    sections: list[tuple[str, str, list[Any]]] = []
    for kind, model, columns in (("contact", Contact, (Contact.first_name, Contact.last_name, Contact.email)),
                                 ("lead", Lead, (Lead.first_name, Lead.last_name, Lead.email)),
                                 ("company", Company, (Company.name, Company.domain))):
        if "@" in needle and model is not Company:
            match = model.email == needle
        else:
            full = func.lower(func.coalesce(columns[0], "") + " " + func.coalesce(columns[1], ""))
            match = or_(full.contains(needle, autoescape=True),
                        func.lower(func.coalesce(columns[-1], "")).contains(needle, autoescape=True))
        rows = (await ctx.session.scalars(select(model).where(model.org_id == ctx.org_id, match)
                                          .order_by(model.id.desc()).limit(FOUND_PER_KIND))).all()
        if rows:
            resource = RESOURCES[kind]
            sections.append((kind, resource.plural.capitalize(), [resource.to_data(r) for r in rows]))
    if not sections:
        return {"text": f"Nothing in the CRM matches “{esc(query, 200)}”."}
    blocks: list[Json] = [_said(f"*Found for “{esc(query, 200)}”*")]
    for kind, label, records in sections:
        lines = "\n".join(record_line(kind, r) for r in records)
        blocks.append(_said(f"*{label}*\n{lines}"))
    return {"text": f"Found for “{esc(query, 200)}”", "blocks": blocks}


async def _deal(ctx: ActionContext, user: User, name: str) -> Json:
    rows = (await ctx.session.scalars(select(Deal).where(
        Deal.org_id == ctx.org_id, func.lower(Deal.name).contains(name.lower(), autoescape=True))
        .order_by(Deal.status != "open", Deal.id.desc()).limit(FOUND_PER_KIND))).all()  # open ones first
    if not rows:
        return {"text": f"No deal's name contains “{esc(name, 200)}”."}
    blocks: list[Json] = [_said(f"*Deals matching “{esc(name, 200)}”*")]
    for row in rows:
        deal = DEALS.to_data(row)
        blocks += card("deal", deal, await lookups(ctx.session, ctx.org_id, deal))
    return {"text": f"Deals matching “{esc(name, 200)}”", "blocks": blocks}


async def _lead(ctx: ActionContext, user: User, args: str) -> Json:
    email, _, name = args.partition(" ")
    email = email.lower()
    taken = await ctx.session.scalar(select(Lead.id).where(Lead.org_id == ctx.org_id, Lead.email == email))
    if taken:
        return {"text": f"A lead with {esc(email)} exists already (`{taken}`); nothing was created."}
    first, _, last = name.strip().rpartition(" ") if " " in name.strip() else (name.strip(), "", "")
    fields = {"email": email, "first_name": first or None, "last_name": last or None, "owner_id": user.id,
              "source": "slack"}
    try:
        data = msgspec.convert(fields, LEADS.create)
    except msgspec.ValidationError as exc:
        return {"text": f":warning: The lead was not created: {esc(exc, 300)}."}
    lead = LEADS.to_data(await service.create(ctx, LEADS, data))
    return {"text": f"Lead created: {esc(email)}",
            "blocks": [_said(f":white_check_mark: Lead created, owned by you: {record_line('lead', lead)}")]}


async def _pipeline(ctx: ActionContext, user: User, args: str) -> Json:
    rows = (await ctx.session.execute(select(Deal.pipeline_id, Deal.stage, Deal.currency, Deal.amount).where(
        Deal.org_id == ctx.org_id, Deal.status == "open"))).all()
    if not rows:
        return {"text": "There are no open deals."}
    stages: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, defaultdict(Decimal)])
    grand: dict[str, Decimal] = defaultdict(Decimal)
    for pipeline_id, stage, currency, amount in rows:
        cell = stages[(pipeline_id, stage)]
        cell[0] += 1
        cell[1][currency] += amount or 0
        grand[currency] += amount or 0
    pipelines = (await ctx.session.scalars(select(Pipeline).where(Pipeline.org_id == ctx.org_id)
                                           .order_by(Pipeline.is_default.desc(), Pipeline.id))).all()
    blocks: list[Json] = [_said(f"*Open deals by stage* ({len(rows)} in all)")]
    for pipeline in pipelines:
        fields = [_stage_field(st.get("label") or st["key"], *stages[(pipeline.id, st["key"])])
                  for st in pipeline.stages if (pipeline.id, st["key"]) in stages]
        for start in range(0, len(fields), 10):  # a section holds at most ten fields
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{esc(pipeline.name)}*"},
                           "fields": fields[start:start + 10]})
    blocks.append(_said("*Total* " + " · ".join(money(v, c) for c, v in sorted(grand.items()))))
    return {"text": "Open deals by stage", "blocks": blocks[:50]}


def _stage_field(label: str, count: int, totals: dict[str, Decimal]) -> Json:
    amounts = " · ".join(money(v, c) for c, v in sorted(totals.items()))
    return {"type": "mrkdwn", "text": f"*{esc(label)}*\n{count} deal{'s' if count != 1 else ''} · {amounts}"}


def _said(text: str) -> Json:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


SUBCOMMANDS: dict[str, Subcommand] = {
    "find": Subcommand("`/crm find <name or email>`", _text("a name or an email"), _find),
    "deal": Subcommand("`/crm deal <name>`", _text("part of a deal's name"), _deal),
    "lead": Subcommand("`/crm lead <email> [name]`", _lead_args, _lead),
    "pipeline": Subcommand("`/crm pipeline`", _no_args, _pipeline),
}
HELP = "\n".join([
    "*/crm* — the CRM, from Slack",
    "• `/crm find <name or email>`: contacts, leads and companies that match",
    "• `/crm deal <name>`: deals whose name contains it, with buttons to act on them",
    "• `/crm lead <email> [name]`: create a lead, owned by you",
    "• `/crm pipeline`: open deals by stage, with totals",
    "• `/crm help`: this message",
])


def register(app: AsyncApp, hub: Hub, track: Callable[[], Any]) -> None:
    """Listen to `/crm` on the Bolt app; `track()` marks the work a request started, for a clean drain."""

    @app.command(COMMAND)
    async def crm(ack: Any, command: Json, respond: Any, context: Any, client: Any) -> None:
        async with track():
            sub, args = parse(command.get("text") or "")
            if sub in ("", "help"):
                await ack(response_type="ephemeral", text=HELP)
                return
            spec = SUBCOMMANDS.get(sub)
            if spec is None:
                await ack(response_type="ephemeral",
                          text=f"`{esc(sub, 40)}` is not a /crm subcommand.\n\n{HELP}")
                return
            if problem := spec.check(args):
                await ack(response_type="ephemeral", text=f"{problem}\nUsage: {spec.usage}")
                return
            await ack()
            message = await _answer(hub, context, client, command, spec, args)
            try:
                await respond(response_type="ephemeral", **message)
            except Exception as exc:  # the response_url expired or Slack is away; nothing more can be said
                log.warning("slack.command.respond_failed", subcommand=sub, error_class=type(exc).__name__)


async def _answer(hub: Hub, context: Any, client: Any, command: Json, spec: Subcommand, args: str) -> Json:
    org_id, user_id = context["org_id"], command.get("user_id", "")
    try:
        async with transaction(hub, org_id, context.team_id, user_id) as ctx:
            user = await acting_user(client, ctx.session, org_id, user_id)
            return await spec.run(ctx, user, args)
    except Refusal as exc:
        return {"text": exc.message}
    except HubError as exc:
        return {"text": f":warning: {esc(exc.detail, 500)}"}
    except Exception as exc:
        log.error("slack.command.failed", org_id=org_id, error_class=type(exc).__name__, exc_info=exc)
        return {"text": FAILED}
