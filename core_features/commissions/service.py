"""Plans, who is on them, quotas and deal splits; every query is scoped by the caller's organization."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions.calc import Rules, Tier
from core_features.commissions.models import Plan, PlanMember, Quota, Split
from core_features.commissions.periods import parse
from core_features.commissions.schemas import PlanIn, PlanOut, QuotaIn, SplitsIn
from core_features.commissions.settings import CommissionSettings
from hub.catalog import ActionContext
from hub.db import new_id, owned, utcnow
from hub.errors import NotFound, ValidationFailed
from hub.records.models import Deal
from hub.tenancy.models import Organization, User

__all__ = ["create_plan", "currency", "deal", "get_plan", "member_plan", "plan_out", "rules", "set_member",
           "set_quota", "set_splits", "splits", "update_plan", "user"]

_PLAN_FIELDS = tuple(PlanIn.__struct_fields__)


async def currency(session: AsyncSession, org_id: str, config: CommissionSettings) -> str:
    """The organization's currency: its own setting, else the module's default."""
    settings = await session.scalar(select(Organization.settings).where(Organization.id == org_id))
    return str((settings or {}).get("currency") or config.currency).upper()


def rules(plan: Plan) -> Rules:
    """The calculation's view of a plan."""
    tiers = tuple(sorted((Tier(Decimal(t["floor"]), Decimal(t["rate"])) for t in plan.tiers or []),
                         key=lambda t: t.floor))
    return Rules(kind=plan.kind, rate=plan.rate, tiers=tiers, tier_mode=plan.tier_mode,
                 accelerator=plan.accelerator, cap=plan.cap,
                 product_rates={k: Decimal(v) for k, v in (plan.product_rates or {}).items()},
                 deal_type_rates={k: Decimal(v) for k, v in (plan.deal_type_rates or {}).items()})


def plan_out(plan: Plan, currency_code: str) -> PlanOut:
    values = {name: getattr(plan, name) for name in _PLAN_FIELDS}
    values["tiers"] = [{"floor": Decimal(t["floor"]), "rate": Decimal(t["rate"])} for t in plan.tiers or []]
    return msgspec.convert({**values, "id": plan.id, "currency": currency_code, "created_at": plan.created_at,
                            "updated_at": plan.updated_at, "version": plan.version}, PlanOut, from_attributes=True)


def _values(data: PlanIn) -> dict[str, Any]:
    _check_plan(data)
    values = {name: getattr(data, name) for name in _PLAN_FIELDS}
    values["tiers"] = [{"floor": str(t.floor), "rate": str(t.rate)} for t in sorted(data.tiers, key=lambda t: t.floor)]
    values["product_rates"] = {k: str(v) for k, v in data.product_rates.items()}
    values["deal_type_rates"] = {k: str(v) for k, v in data.deal_type_rates.items()}
    return values


def _check_plan(data: PlanIn) -> None:
    if data.kind == "tiered" and not data.tiers:
        raise ValidationFailed("A tiered plan needs tiers.", errors=[{"field": "tiers", "message": "required"}])
    floors = [t.floor for t in data.tiers]
    if len(set(floors)) != len(floors):
        raise ValidationFailed("Two tiers start at the same floor.",
                               errors=[{"field": "tiers", "message": "floors must differ"}])
    if data.tiers and min(floors) != 0:
        raise ValidationFailed("The first tier must start at 0, so every amount has a rate.",
                               errors=[{"field": "tiers", "message": "lowest floor must be 0"}])


async def create_plan(ctx: ActionContext, data: PlanIn) -> Plan:
    now = utcnow()
    plan = Plan(id=new_id("cpl"), org_id=ctx.org_id, created_at=now, updated_at=now, **_values(data))
    ctx.session.add(plan)
    await ctx.session.flush()
    return plan


async def update_plan(ctx: ActionContext, plan_id: str, data: PlanIn) -> Plan:
    """Replace a plan's rules; payouts already locked keep what they were computed with."""
    plan = await get_plan(ctx, plan_id)
    for name, value in _values(data).items():
        setattr(plan, name, value)
    plan.updated_at = utcnow()
    await ctx.session.flush()
    return plan


async def get_plan(ctx: ActionContext, plan_id: str) -> Plan:
    plan = await ctx.session.scalar(select(Plan).where(Plan.org_id == ctx.org_id, Plan.id == plan_id))
    if plan is None:
        raise NotFound(f"No commission plan {plan_id!r} in this organization.")
    return plan


async def user(session: AsyncSession, org_id: str, user_id: str) -> User:
    return await owned(session, User, org_id, user_id, "user")


async def deal(session: AsyncSession, org_id: str, deal_id: str) -> Deal:
    return await owned(session, Deal, org_id, deal_id, "deal")


async def set_member(ctx: ActionContext, user_id: str, plan_id: str) -> PlanMember:
    """Put a user on a plan (off any other)."""
    await user(ctx.session, ctx.org_id, user_id)
    await get_plan(ctx, plan_id)
    row = await ctx.session.scalar(select(PlanMember).where(PlanMember.org_id == ctx.org_id,
                                                            PlanMember.user_id == user_id))
    now = utcnow()
    if row is None:
        row = PlanMember(id=new_id("cpm"), org_id=ctx.org_id, user_id=user_id, created_at=now)
        ctx.session.add(row)
    row.plan_id, row.updated_at = plan_id, now
    await ctx.session.flush()
    return row


async def member_plan(session: AsyncSession, org_id: str, user_id: str) -> Plan | None:
    return await session.scalar(select(Plan).join(PlanMember, PlanMember.plan_id == Plan.id).where(
        PlanMember.org_id == org_id, PlanMember.user_id == user_id))


async def set_quota(ctx: ActionContext, data: QuotaIn) -> Quota:
    """Set a user's quota for one period (of the kind of the user's plan)."""
    await user(ctx.session, ctx.org_id, data.user_id)
    period = parse(data.period)
    plan = await member_plan(ctx.session, ctx.org_id, data.user_id)
    if plan is not None and plan.period != period.kind:
        raise ValidationFailed(f"The user's plan counts in {plan.period}s; {data.period!r} is a {period.kind}.",
                               errors=[{"field": "period", "message": f"not a {plan.period}"}])
    row = await ctx.session.scalar(select(Quota).where(
        Quota.org_id == ctx.org_id, Quota.user_id == data.user_id, Quota.period_start == period.start))
    now = utcnow()
    if row is None:
        row = Quota(id=new_id("cqu"), org_id=ctx.org_id, user_id=data.user_id, period_start=period.start,
                    created_at=now)
        ctx.session.add(row)
    row.amount, row.updated_at = data.amount, now
    await ctx.session.flush()
    return row


async def splits(session: AsyncSession, org_id: str, deal_id: str) -> list[Split]:
    return list(await session.scalars(select(Split).where(Split.org_id == org_id, Split.deal_id == deal_id)
                                      .order_by(Split.id)))


async def set_splits(ctx: ActionContext, deal_id: str, data: SplitsIn) -> list[Split]:
    """Replace a deal's splits; they must add up to exactly 100 percent, one line per user."""
    await deal(ctx.session, ctx.org_id, deal_id)
    users = [s.user_id for s in data.splits]
    if len(set(users)) != len(users):
        raise ValidationFailed("A user appears twice in the splits.",
                               errors=[{"field": "splits", "message": "one line per user"}])
    total = sum((s.percent for s in data.splits), Decimal(0))
    if data.splits and total != 100:
        raise ValidationFailed(f"The splits add up to {total} percent; they must add up to 100.",
                               errors=[{"field": "splits", "message": f"sum is {total}, not 100"}])
    for user_id in users:
        await user(ctx.session, ctx.org_id, user_id)
    await ctx.session.execute(delete(Split).where(Split.org_id == ctx.org_id, Split.deal_id == deal_id))
    now = utcnow()
    rows = [Split(id=new_id("csp"), org_id=ctx.org_id, deal_id=deal_id, user_id=s.user_id, percent=s.percent,
                  created_at=now, updated_at=now) for s in data.splits]
    ctx.session.add_all(rows)
    await ctx.session.flush()
    return rows
