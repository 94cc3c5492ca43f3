"""`/v1/commissions/runs`, `/payouts` (review, lock), `/statements` and `/what-if`."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from core_features.commissions import jobs, payouts
from core_features.commissions.models import Payout, Run
from core_features.commissions.periods import parse
from core_features.commissions.schemas import PayoutOut, RunIn, RunOut, WhatIfIn, WhatIfOut
from core_features.commissions.settings import CommissionSettings
from core_features.commissions.whatif import what_if
from hub.deps import Ctx

__all__ = ["PayoutController", "RunController"]

TAGS = ["Commissions"]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


def run_out(run: Run) -> RunOut:
    return RunOut(id=run.id, period=run.period, status=run.status, total=run.total, done=run.done,  # type: ignore[arg-type]
                  job_id=run.job_id, created_at=run.created_at, finished_at=run.finished_at)


class RunController(Controller):
    path = "/v1/commissions/runs"
    tags = TAGS

    @post("/", status_code=202, summary="Calculate a period's payouts",
          description="Queues a durable job that calculates (or recalculates) every draft payout of the period "
                      "for users on a plan of its kind; locked payouts are left as they are. Follow `done` of "
                      "`total` on the run.")
    async def start_run(self, ctx: Ctx, data: JSONBody[RunIn]) -> Response[RunOut]:
        run = await jobs.start_run(ctx, data.period)
        return Response(run_out(run), status_code=202, headers={"Location": f"/v1/commissions/runs/{run.id}"})

    @get("/{run_id:str}", summary="Read a run's progress")
    async def read_run(self, ctx: Ctx, run_id: FromPath[str]) -> RunOut:
        return run_out(await jobs.get_run(ctx.session, ctx.org_id, run_id))


class PayoutController(Controller):
    path = "/v1/commissions"
    tags = TAGS

    @get("/payouts", summary="List payouts", description="By period label and user; newest period first.")
    async def list_payouts(self, ctx: Ctx, period: FromQuery[str | None] = None,
                           user_id: FromQuery[str | None] = None, limit: Limit = 100) -> list[PayoutOut]:
        query = select(Payout).where(Payout.org_id == ctx.org_id)
        if period:
            query = query.where(Payout.period == parse(period).label)
        if user_id:
            query = query.where(Payout.user_id == user_id)
        rows = await ctx.session.scalars(query.order_by(Payout.period_start.desc(), Payout.user_id).limit(limit))
        return [payouts.payout_out(r) for r in rows]

    @get("/payouts/{payout_id:str}", summary="Read a payout with its lines")
    async def read_payout(self, ctx: Ctx, payout_id: FromPath[str]) -> PayoutOut:
        return payouts.payout_out(await payouts.get(ctx.session, ctx.org_id, payout_id))

    @post("/payouts/{payout_id:str}/review", status_code=200, summary="Mark a payout reviewed")
    async def review(self, ctx: Ctx, payout_id: FromPath[str]) -> PayoutOut:
        return payouts.payout_out(await payouts.review(ctx.session, ctx.org_id, payout_id))

    @post("/payouts/{payout_id:str}/lock", status_code=200, summary="Lock a payout",
          description="Its figures and lines become final; credits that change its period later are paid as "
                      "adjustment lines of the next payout calculated. Emits `payout.locked`.")
    async def lock(self, ctx: Ctx, payout_id: FromPath[str]) -> PayoutOut:
        return payouts.payout_out(await payouts.lock(ctx.session, ctx.org_id, payout_id))

    @get("/statements/{user_id:str}", summary="A rep's commission statement",
         description="The rep's payout for the period (by default the current one of the rep's plan), line by "
                     "line back to the deals.")
    async def statement(self, ctx: Ctx, user_id: FromPath[str], period: FromQuery[str | None] = None) -> PayoutOut:
        return payouts.payout_out(await payouts.statement(ctx.session, ctx.org_id, user_id, period))

    @post("/what-if", status_code=200, opt={"scope": "read"}, summary="What a rep would earn if open deals closed",
          description="The rep's commission for the period (by default the current one) now and if these open "
                      "deals were won in it, under the rep's plan and quota; nothing is written.")
    async def what_if(self, ctx: Ctx, data: JSONBody[WhatIfIn]) -> WhatIfOut:
        return await what_if(ctx.session, ctx.org_id, data, ctx.config(CommissionSettings))
