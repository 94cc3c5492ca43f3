"""`/v1/commissions/plans`, members, quotas, `/v1/deals/{deal_id}/commission-splits` and the credit ledger."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from core_features.commissions import credits, service
from core_features.commissions.models import Credit, Plan, Quota
from core_features.commissions.schemas import (
    CreditOut,
    MemberIn,
    PlanIn,
    PlanOut,
    QuotaIn,
    QuotaOut,
    SplitIn,
    SplitsIn,
    SplitsOut,
)
from core_features.commissions.settings import CommissionSettings
from hub.deps import Ctx

__all__ = ["CommissionController", "DealSplitController", "PlanController"]

TAGS = ["Commissions"]
Limit = Annotated[int, QueryParameter(ge=1, le=1000)]


async def _plan_out(ctx: Ctx, plan: Plan) -> PlanOut:
    return service.plan_out(plan, await service.currency(ctx.session, ctx.org_id, ctx.config(CommissionSettings)))


class PlanController(Controller):
    path = "/v1/commissions/plans"
    tags = TAGS

    @post("/", status_code=201, summary="Add a commission plan",
          description="Flat (`rate`) or tiered (`tiers`, paid `marginal`ly or `cumulative`ly), per month, "
                      "quarter or year; an accelerator past quota, per-product and per-deal-type rates, a cap "
                      "and a draw. Rates are fractions (0.05 is 5 %); amounts are in the organization's currency.")
    async def create_plan(self, ctx: Ctx, data: JSONBody[PlanIn]) -> PlanOut:
        return await _plan_out(ctx, await service.create_plan(ctx, data))

    @get("/", summary="List commission plans")
    async def list_plans(self, ctx: Ctx) -> list[PlanOut]:
        rows = await ctx.session.scalars(select(Plan).where(Plan.org_id == ctx.org_id).order_by(Plan.id).limit(500))
        return [await _plan_out(ctx, row) for row in rows]

    @get("/{plan_id:str}", summary="Read a commission plan")
    async def read_plan(self, ctx: Ctx, plan_id: FromPath[str]) -> PlanOut:
        return await _plan_out(ctx, await service.get_plan(ctx, plan_id))

    @put("/{plan_id:str}", summary="Replace a commission plan's rules",
         description="Drafts calculated after this use the new rules; locked payouts never change.")
    async def replace_plan(self, ctx: Ctx, plan_id: FromPath[str], data: JSONBody[PlanIn]) -> PlanOut:
        return await _plan_out(ctx, await service.update_plan(ctx, plan_id, data))


class CommissionController(Controller):
    path = "/v1/commissions"
    tags = TAGS

    @put("/members/{user_id:str}", summary="Put a user on a commission plan")
    async def set_member(self, ctx: Ctx, user_id: FromPath[str], data: JSONBody[MemberIn]) -> MemberIn:
        row = await service.set_member(ctx, user_id, data.plan_id)
        return MemberIn(plan_id=row.plan_id)

    @put("/quotas", summary="Set a user's quota for a period",
         description="The period is labelled `2026-03`, `2026-Q1` or `2026`, of the kind of the user's plan.")
    async def set_quota(self, ctx: Ctx, data: JSONBody[QuotaIn]) -> QuotaOut:
        row = await service.set_quota(ctx, data)
        return QuotaOut(user_id=row.user_id, period_start=row.period_start, amount=row.amount)

    @get("/quotas", summary="List quotas")
    async def list_quotas(self, ctx: Ctx, user_id: FromQuery[str | None] = None, limit: Limit = 200
                          ) -> list[QuotaOut]:
        query = select(Quota).where(Quota.org_id == ctx.org_id)
        if user_id:
            query = query.where(Quota.user_id == user_id)
        rows = await ctx.session.scalars(query.order_by(Quota.user_id, Quota.period_start).limit(limit))
        return [QuotaOut(user_id=r.user_id, period_start=r.period_start, amount=r.amount) for r in rows]

    @get("/credits", summary="Read the credit ledger",
         description="Credits of won deals and their clawbacks (negative), oldest first, by user or deal.")
    async def list_credits(self, ctx: Ctx, user_id: FromQuery[str | None] = None,
                           deal_id: FromQuery[str | None] = None, limit: Limit = 200) -> list[CreditOut]:
        query = select(Credit).where(Credit.org_id == ctx.org_id)
        if user_id:
            query = query.where(Credit.user_id == user_id)
        if deal_id:
            query = query.where(Credit.deal_id == deal_id)
        rows = await ctx.session.scalars(query.order_by(Credit.closed_on, Credit.id).limit(limit))
        return [msgspec.convert(r, CreditOut, from_attributes=True) for r in rows]


class DealSplitController(Controller):
    path = "/v1/deals/{deal_id:str}/commission-splits"
    tags = TAGS

    @get("/", summary="Read a deal's commission splits")
    async def read_splits(self, ctx: Ctx, deal_id: FromPath[str]) -> SplitsOut:
        await service.deal(ctx.session, ctx.org_id, deal_id)
        rows = await service.splits(ctx.session, ctx.org_id, deal_id)
        return SplitsOut(deal_id=deal_id, splits=[SplitIn(user_id=r.user_id, percent=r.percent) for r in rows])

    @put("/", summary="Replace a deal's commission splits",
         description="Percentages add up to exactly 100. On a deal already won, the old shares are clawed back "
                     "and the new ones credited.")
    async def replace_splits(self, ctx: Ctx, deal_id: FromPath[str], data: JSONBody[SplitsIn]) -> SplitsOut:
        rows = await service.set_splits(ctx, deal_id, data)
        deal = await service.deal(ctx.session, ctx.org_id, deal_id)
        await credits.recredit(ctx.session, deal, ctx.config(CommissionSettings))
        return SplitsOut(deal_id=deal_id, splits=[SplitIn(user_id=r.user_id, percent=r.percent) for r in rows])
