"""Drafts: grounded in the record's context, written by the template composer or a model, checked, kept.

`prepare` reads everything a draft needs in the caller's unit of work (the context, the organization's
settings, the cap) and opens the model; `compose` writes a draft whole; `stream` yields it a checked sentence at a
time and keeps it in a unit of work of its own, since a streamed answer outlives the request's. A draft is never
sent: `save` makes it an email activity, and only when no placeholder is left in it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.writing import profiles
from core_features.writing.composer import compose as template
from core_features.writing.context import Context, Fact, assemble
from core_features.writing.entities import scan
from core_features.writing.errors import Unsaveable, from_service
from core_features.writing.guard import Check, Finding, Support
from core_features.writing.models import Draft
from core_features.writing.prompting import Request, build, split
from core_features.writing.schemas import ComposeIn, DraftOut, FactOut, FindingOut, SaveIn
from core_features.writing.settings import WritingSettings
from hub import outside
from hub.catalog import ActionContext
from hub.db import new_id, utcnow
from hub.errors import Conflict, NotFound
from hub.language import Completion, LanguageModel, LanguageProvider, Prompt, TextDelta
from hub.records import service as records
from hub.records.definitions import ACTIVITIES
from hub.records.schemas import ActivityFields

__all__ = ["Plan", "compose", "compose_planned", "draft_out", "get", "prepare", "save", "stream"]

log = structlog.get_logger("core_features.writing")
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,60}\]")
_BOUNDARY = re.compile(r"(?:[.!?](?=\s)|\n)")


@dataclass
class Plan:
    """One draft about to be written: its context and what may be said, and who writes it."""

    org_id: str
    data: ComposeIn
    context: Context
    support: Support
    provider_key: str
    provider: LanguageProvider | None = None
    model: LanguageModel | None = None
    prompt: Prompt | None = None
    text: str = ""  # the template composer's draft
    notes: list[str] = field(default_factory=list)


async def prepare(ctx: ActionContext, data: ComposeIn) -> Plan:
    """Read the context and settings, refuse a paid draft past the cap, open the model."""
    config, row = ctx.config(WritingSettings), await profiles.get(ctx)
    context = await assemble(ctx, data.record_type, data.record_id, activities=config.activities)
    sender, signature = (row.sender_name, row.signature) if row else (None, None)
    request = Request(data.goal, data.tone, data.length, data.instructions)
    support = Support.of(*(f.value for f in context.facts), *(t for _, t in context.blocks),
                         data.instructions or "", sender or "", signature or "")
    plan = Plan(ctx.org_id, data, context, support, data.provider or (row.provider if row else profiles.TEMPLATE))
    if plan.provider_key == profiles.TEMPLATE:
        plan.text, plan.notes = template(context, request, sender=sender, signature=signature)
        return plan
    await profiles.check_cap(ctx, row)
    plan.provider, plan.model, name = profiles.open_model(ctx, row, plan.provider_key)
    plan.prompt = build(context, request, model=name, max_tokens=config.max_tokens, sender=sender,
                        signature=signature)
    return plan


async def compose(ctx: ActionContext, data: ComposeIn) -> Draft:
    """A checked draft, written whole and kept."""
    return await compose_planned(ctx.session, await prepare(ctx, data))


async def compose_planned(session: AsyncSession, plan: Plan) -> Draft:
    """Write the planned draft whole, check it and keep it."""
    done = None
    if plan.model is not None:
        try:
            done = await plan.model.complete(plan.prompt)  # type: ignore[arg-type]
        except outside.ServiceError as exc:
            raise from_service(exc, plan.provider_key) from None
        finally:
            await plan.model.aclose()
    check = Check(plan.support, list(plan.context.withheld))
    return await _keep(session, plan, check, check.text(done.text if done else plan.text), done)


async def stream(sessions: Any, plan: Plan) -> AsyncIterator[tuple[str, Any]]:
    """("delta", checked text) as sentences complete, then ("draft", DraftOut), or ("error", problem)."""
    check, pending, done = Check(plan.support, list(plan.context.withheld)), "", None
    written: list[str] = []
    try:
        async for piece in _pieces(plan):
            if isinstance(piece, Completion):
                done = piece
                continue
            pending += piece.text
            ready, pending = _complete_part(pending)
            if ready:
                written.append(checked := check.text(ready))
                yield "delta", checked
    except outside.ServiceError as exc:
        problem = from_service(exc, plan.provider_key)
        yield "error", {"status": problem.status, "title": problem.title, "detail": problem.detail}
        return
    if pending:
        written.append(checked := check.text(pending))
        yield "delta", checked
    async with sessions.begin() as session:
        draft = await _keep(session, plan, check, "".join(written), done)
        out = draft_out(draft, plan.notes)
    yield "draft", out


async def _pieces(plan: Plan) -> AsyncIterator[TextDelta | Completion]:
    if plan.model is None:  # the template composer: its draft, a line at a time
        for line in plan.text.splitlines(keepends=True):
            yield TextDelta(line)
        return
    try:
        async for piece in plan.model.stream(plan.prompt):  # type: ignore[arg-type]
            yield piece
    finally:
        await plan.model.aclose()


def _complete_part(text: str) -> tuple[str, str]:
    """The text up to its last sentence end or line break, and the rest, still being written."""
    ends = [m.end() for m in _BOUNDARY.finditer(text)]
    return (text[:ends[-1]], text[ends[-1]:]) if ends else ("", text)


async def _keep(session: AsyncSession, plan: Plan, check: Check, text: str, done: Completion | None) -> Draft:
    """Store the checked draft, and count its tokens and cost for the organization."""
    fallback = {"thank_you": "Thank you"}.get(plan.data.goal, "Following up")
    subject, body = split(_tidy(text), fallback)
    now = utcnow()
    draft = Draft(id=new_id("drf"), org_id=plan.org_id, record_type=plan.data.record_type,
                  record_id=plan.data.record_id, goal=plan.data.goal, tone=plan.data.tone, subject=subject[:300],
                  body=body, provider=plan.provider_key, model=done.model if done else None,
                  facts=[_fact(f) for f in _used(plan.context.facts, f"{subject}\n{body}")],
                  findings=[_finding(f) for f in [*check.withheld, *check.findings]],
                  input_tokens=done.input_tokens if done else 0, output_tokens=done.output_tokens if done else 0,
                  created_at=now, updated_at=now)
    session.add(draft)
    cost = Decimal(0)
    if done is not None and plan.provider is not None:
        cost = await profiles.record_usage(session, plan.org_id, plan.provider, done)
    await session.flush()
    log.info("writing.draft.composed", draft_id=draft.id, provider=plan.provider_key, model=draft.model,
             input_tokens=draft.input_tokens, output_tokens=draft.output_tokens, cost_usd=str(cost),
             replaced=len(check.findings), withheld=len(check.withheld))
    return draft


def _tidy(text: str) -> str:
    """Spaces left where a sentence was dropped go, and so do runs of blank lines."""
    text = re.sub(r"(?m)^[ \t]+|[ \t]+$", "", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _used(facts: list[Fact], text: str) -> list[Fact]:
    """The facts the draft states, in any spelling the scanner reads as the same value."""
    low, keys = text.lower(), {_loose(e.key) for e in scan(text)}
    seen: set[tuple[str, str]] = set()
    used = []
    for fact in facts:
        if (fact.name, fact.value) in seen:
            continue
        if fact.value.lower() in low or keys & {_loose(e.key) for e in scan(fact.value) if e.kind != "name"}:
            used.append(fact)
            seen.add((fact.name, fact.value))
    return used


def _loose(key: object) -> object:
    return key[:3] if isinstance(key, tuple) and key and key[0] == "day" else key


def _fact(fact: Fact) -> dict[str, str]:
    return {"name": fact.name, "value": fact.value, "source": fact.source}


def _finding(finding: Finding) -> dict[str, str | None]:
    return {"kind": finding.kind, "text": finding.text, "replacement": finding.replacement, "source": finding.source}


def draft_out(draft: Draft, notes: list[str] | None = None) -> DraftOut:
    findings = [FindingOut(**f) for f in draft.findings]
    return DraftOut(id=draft.id, record_type=draft.record_type, record_id=draft.record_id, subject=draft.subject,
                    body=draft.body, provider=draft.provider, model=draft.model,
                    facts=[FactOut(**f) for f in draft.facts],
                    placeholders=[f for f in findings if f.kind != "withheld"],
                    withheld=[f for f in findings if f.kind == "withheld"], notes=notes or [],
                    input_tokens=draft.input_tokens, output_tokens=draft.output_tokens,
                    activity_id=draft.activity_id, created_at=draft.created_at)


async def get(ctx: ActionContext, draft_id: str) -> Draft:
    row = await ctx.session.scalar(select(Draft).where(Draft.org_id == ctx.org_id, Draft.id == draft_id))
    if row is None:
        raise NotFound(f"No draft {draft_id!r} in this organization.")
    return row


async def save(ctx: ActionContext, draft_id: str, data: SaveIn) -> Draft:
    """Make the draft, as edited, an outbound email activity on its record; only once, and with no placeholder."""
    draft = await get(ctx, draft_id)
    if draft.activity_id is not None:
        raise Conflict(f"The draft was saved already, as activity {draft.activity_id}.")
    subject, body = data.subject or draft.subject, data.body or draft.body
    if left := sorted(set(_PLACEHOLDER.findall(f"{subject}\n{body}"))):
        raise Unsaveable(f"Fill in the placeholders first: {', '.join(left)}.")
    activity = await records.create(ctx, ACTIVITIES, ActivityFields(
        type="email", direction="outbound", subject=subject, body=body,
        **{f"{draft.record_type}_id": draft.record_id}))
    draft.subject, draft.body, draft.activity_id, draft.updated_at = subject, body, activity.id, utcnow()
    await ctx.session.flush()
    return draft
