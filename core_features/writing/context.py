"""What a draft is grounded in: the record's fields, the people and company around it, its last activities.

Only rows of the caller's organization are read. Short fields become facts (`contact.first_name: Ann`); free
text that people or outside senders wrote (activity subjects and bodies) becomes untrusted blocks, screened for
sentences that address the model. Both are what the fact check later holds the draft against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import or_, select

from core_features.writing.entities import day_keys
from core_features.writing.guard import Finding, screen
from hub.catalog import ActionContext
from hub.db import plain_decimal
from hub.errors import NotFound
from hub.records.models import Activity, Company, Contact, Deal, Lead, Pipeline

__all__ = ["Context", "Fact", "RecordType", "assemble"]

RecordType = Literal["contact", "lead", "deal"]
_MODELS: dict[str, Any] = {"contact": Contact, "lead": Lead, "deal": Deal}
_FIELDS = {
    "contact": ("first_name", "last_name", "title", "email", "city"),
    "lead": ("first_name", "last_name", "title", "email", "company_name", "status"),
    "company": ("name", "domain", "website", "industry", "city"),
}


@dataclass(frozen=True)
class Fact:
    """One value from the CRM: what it is (`deal.amount`), its value as written for the model, where it is from."""

    name: str
    value: str
    source: str


@dataclass
class Context:
    """Everything a draft for one record may use."""

    record_type: str
    record_id: str
    recipient: str | None = None
    facts: list[Fact] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (source, screened text)
    withheld: list[Finding] = field(default_factory=list)

    def fact(self, name: str) -> str | None:
        return next((f.value for f in self.facts if f.name == name), None)

    def add(self, prefix: str, row: Any, names: tuple[str, ...], source: str) -> None:
        for name in names:
            value = getattr(row, name, None)
            if value in (None, ""):
                continue
            text, withheld = screen(str(value), source)
            self.withheld += withheld
            if not withheld:
                self.facts.append(Fact(f"{prefix}.{name}", text, source))


async def assemble(ctx: ActionContext, record_type: RecordType, record_id: str, *, activities: int) -> Context:
    """The context of one record of the caller's organization; 404 when there is no such record there."""
    row = await _row(ctx, _MODELS[record_type], record_id, record_type)
    context = Context(record_type, record_id)
    if record_type == "deal":
        await _deal(ctx, context, row)
    else:
        context.add(record_type, row, _FIELDS[record_type], f"{record_type}:{row.id}")
        context.recipient = row.first_name
        if record_type == "contact" and row.company_id:
            await _company(ctx, context, row.company_id)
    await _activities(ctx, context, row, record_type, activities)
    return context


async def _row(ctx: ActionContext, model: Any, record_id: str, name: str) -> Any:
    row = await ctx.session.scalar(select(model).where(model.org_id == ctx.org_id, model.id == record_id))
    if row is None:
        raise NotFound(f"No {name} {record_id!r} in this organization.")
    return row


async def _deal(ctx: ActionContext, context: Context, deal: Deal) -> None:
    source = f"deal:{deal.id}"
    context.add("deal", deal, ("name", "status", "currency"), source)
    context.facts.append(Fact("deal.stage", await _stage(ctx, deal), source))
    if deal.amount is not None:
        context.facts.append(Fact("deal.amount", f"{plain_decimal(deal.amount)} {deal.currency}", source))
    if deal.expected_close is not None:
        context.facts.append(Fact("deal.expected_close", day_keys(deal.expected_close), source))
    if deal.contact_id:
        contact = await _row(ctx, Contact, deal.contact_id, "contact")
        context.add("contact", contact, _FIELDS["contact"], f"contact:{contact.id}")
        context.recipient = contact.first_name
    if deal.company_id:
        await _company(ctx, context, deal.company_id)


async def _stage(ctx: ActionContext, deal: Deal) -> str:
    """The stage's label in its pipeline, else its key."""
    pipeline = await ctx.session.scalar(select(Pipeline).where(Pipeline.org_id == ctx.org_id,
                                                               Pipeline.id == deal.pipeline_id))
    stages = pipeline.stages if pipeline is not None else []
    return next((s.get("label") or deal.stage for s in stages if s.get("key") == deal.stage), deal.stage)


async def _company(ctx: ActionContext, context: Context, company_id: str) -> None:
    company = await _row(ctx, Company, company_id, "company")
    context.add("company", company, _FIELDS["company"], f"company:{company.id}")


async def _activities(ctx: ActionContext, context: Context, row: Any, record_type: str, limit: int) -> None:
    """The last activities on the record (for a deal, also those on its contact), newest first."""
    links = [getattr(Activity, f"{record_type}_id") == row.id]
    if record_type == "deal" and row.contact_id:
        links.append(Activity.contact_id == row.contact_id)
    query = (select(Activity).where(Activity.org_id == ctx.org_id, or_(*links))
             .order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit))
    for activity in await ctx.session.scalars(query):
        _activity(context, activity)


def _activity(context: Context, activity: Activity) -> None:
    source = f"activity:{activity.id}"
    when = day_keys(activity.occurred_at.date())
    context.facts.append(Fact("activity", f"{activity.direction or ''} {activity.type} on {when}".strip(), source))
    text = "\n".join(part for part in (activity.subject, activity.body) if part)
    if text:
        screened, withheld = screen(text, source)
        context.withheld += withheld
        context.blocks.append((source, screened))
