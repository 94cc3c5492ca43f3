"""Calculation runs: every payout of a period as a durable job that reports its progress and, stopped, resumes
after the last batch it committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.commissions import payouts, service
from core_features.commissions.models import Plan, PlanMember, Run
from core_features.commissions.periods import Period, parse
from core_features.commissions.settings import CommissionSettings
from hub.catalog import ActionContext
from hub.db import new_id, utcnow
from hub.errors import NotFound
from hub.jobs import GiveUp, Job, JobContext

__all__ = ["RUN_JOB", "get_run", "run_payouts", "start_run"]

RUN_JOB = "payout.calculate"


async def start_run(ctx: ActionContext, period_label: str) -> Run:
    """Queue the calculation of a period's payouts; answers the run, whose progress its job keeps."""
    period = parse(period_label)
    now = utcnow()
    run = Run(id=new_id("crn"), org_id=ctx.org_id, period=period.label, status="pending", total=0, done=0,
              created_at=now, updated_at=now)
    ctx.session.add(run)
    await ctx.session.flush()
    run.job_id = await ctx.jobs.enqueue(RUN_JOB, {"run_id": run.id}, key=run.id)
    return run


async def get_run(session: AsyncSession, org_id: str, run_id: str) -> Run:
    run = await session.scalar(select(Run).where(Run.org_id == org_id, Run.id == run_id))
    if run is None:
        raise NotFound(f"No commission run {run_id!r} in this organization.")
    return run


async def run_payouts(ctx: JobContext, job: Job) -> dict[str, Any] | None:
    """The job: calculate the payouts of the run's period in batches, each committed with the run's cursor."""
    config = ctx.hub.config(CommissionSettings)
    batch = config.run_batch
    async with ctx.sessions.begin() as session:
        run = await session.scalar(select(Run).where(Run.org_id == job.org_id, Run.id == job.payload["run_id"]))
        if run is None:
            raise GiveUp("the run is gone")
        period = parse(run.period)
        run.total = len(await _members(session, job.org_id, period, None, None))
        run.status, run.updated_at = ("running" if run.status != "done" else "done"), utcnow()
    while True:
        async with ctx.sessions.begin() as session:
            run = await get_run(session, job.org_id, job.payload["run_id"])
            todo = await _members(session, job.org_id, period, run.cursor, batch)
            if not todo:
                run.status, run.finished_at, run.updated_at = "done", utcnow(), utcnow()
                return {"run_id": run.id, "payouts": run.done}
            currency = await service.currency(session, job.org_id, config)
            for user_id, plan in todo:
                await payouts.calculate(session, job.org_id, user_id, plan, period, currency)
            run.cursor, run.done, run.updated_at = todo[-1][0], run.done + len(todo), utcnow()


async def _members(session: AsyncSession, org_id: str, period: Period, after: str | None,
                   limit: int | None) -> list[tuple[str, Plan]]:
    """Users on a plan that counts in periods of this kind, by id, past `after`."""
    query = (select(PlanMember.user_id, Plan).join(Plan, Plan.id == PlanMember.plan_id)
             .where(PlanMember.org_id == org_id, Plan.period == period.kind).order_by(PlanMember.user_id))
    if after is not None:
        query = query.where(PlanMember.user_id > after)
    if limit is not None:
        query = query.limit(limit)
    return [(user_id, plan) for user_id, plan in await session.execute(query)]
