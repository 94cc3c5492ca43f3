"""Enrichment as jobs: one per company (`company.enrich`), and one that queues them all (`company.enrich_all`),
with a run row that counts how far they have come.

A company's job reads the record, asks the sources outside any transaction, then in one unit of work keeps the
suggestions, emits `company.enriched` and counts itself in its run. A provider that says to wait is asked again
by a job of its own, after the wait it named.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.enrichment import service
from core_features.enrichment.events import COMPANY_ENRICHED, CompanyEnriched
from core_features.enrichment.models import EnrichmentRun, Suggestion
from core_features.enrichment.schemas import RunOut
from core_features.enrichment.settings import EnrichmentSettings
from core_features.enrichment.sources import HOMEPAGE, Answers, Target, ask
from hub.catalog import ActionContext
from hub.db import new_id, utcnow
from hub.errors import NotFound, ValidationFailed
from hub.events.service import emit
from hub.jobs import Job, JobContext
from hub.records.models import Company
from hub.tenancy.auth import Principal

__all__ = ["ENRICH", "ENRICH_ALL", "enrich_all", "enrich_company", "get_run", "run_out", "start_all",
           "start_company"]

ENRICH = "company.enrich"
ENRICH_ALL = "company.enrich_all"

def run_out(row: EnrichmentRun) -> RunOut:
    finished = row.done + row.failed
    progress = 1.0 if row.status == "done" else (finished / row.total if row.total else 0.0)
    return RunOut(id=row.id, scope=row.scope, company_id=row.company_id, status=row.status,  # type: ignore[arg-type]
                  total=row.total, done=row.done, failed=row.failed, suggested=row.suggested,
                  progress=round(progress, 4), created_at=row.created_at, finished_at=row.finished_at)

async def get_run(ctx: ActionContext, run_id: str) -> EnrichmentRun:
    row = await ctx.session.scalar(select(EnrichmentRun).where(EnrichmentRun.org_id == ctx.org_id,
                                                               EnrichmentRun.id == run_id))
    if row is None:
        raise NotFound(f"No enrichment run {run_id!r} in this organization.")
    return row

def _new_run(ctx: ActionContext, scope: str, company_id: str | None, total: int) -> EnrichmentRun:
    now = utcnow()
    row = EnrichmentRun(id=new_id("enr"), org_id=ctx.org_id, scope=scope, company_id=company_id, status="running",
                        total=total, done=0, failed=0, suggested=0, created_at=now, updated_at=now)
    ctx.session.add(row)
    return row

async def start_company(ctx: ActionContext, company_id: str) -> EnrichmentRun:
    """Queue the enrichment of one company; it needs a domain or a website to be asked about."""
    row = await service.company(ctx.session, ctx.org_id, company_id)
    if service.target(row) is None:
        raise ValidationFailed("The company has neither a domain nor a website to enrich it from.",
                               errors=[{"field": "domain", "message": "required to enrich"}])
    run = _new_run(ctx, "company", company_id, 1)
    await ctx.session.flush()
    await ctx.jobs.enqueue(ENRICH, {"company_id": company_id, "run_id": run.id})
    return run

async def start_all(ctx: ActionContext) -> EnrichmentRun:
    """Queue the enrichment of every company with a domain or a website; the run counts them as they finish."""
    run = _new_run(ctx, "all", None, 0)
    await ctx.session.flush()
    await ctx.jobs.enqueue(ENRICH_ALL, {"run_id": run.id})
    return run

async def enrich_all(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Queue one `company.enrich` per company that can be enriched, and size the run."""
    run_id = job.payload["run_id"]
    async with ctx.sessions.begin() as session:
        ids = list(await session.scalars(select(Company.id).where(
            Company.org_id == job.org_id, (Company.domain.is_not(None)) | (Company.website.is_not(None)))
            .order_by(Company.id)))
        queue = ctx.queue(session, job.org_id)
        for company_id in ids:
            await queue.enqueue(ENRICH, {"company_id": company_id, "run_id": run_id}, key=f"{run_id}:{company_id}")
        await session.execute(update(EnrichmentRun).where(EnrichmentRun.org_id == job.org_id,
                                                          EnrichmentRun.id == run_id)
                              .values(total=len(ids), version=EnrichmentRun.version + 1, updated_at=utcnow()))
        await _finish_if_complete(session, job.org_id, run_id)
    return {"queued": len(ids)}

async def enrich_company(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Ask the sources about one company and keep what they said as suggestions."""
    company_id, run_id = job.payload["company_id"], job.payload.get("run_id")
    only = job.payload.get("sources")  # a retry of the sources that asked us to wait
    async with ctx.sessions() as session:
        found = await session.scalar(select(Company).where(Company.org_id == job.org_id, Company.id == company_id))
        target = service.target(found) if found is not None else None
        wanted = {k: p for k, p in service.enabled(ctx).items() if only is None or k in only}
        keys = await service.unsealed_keys(session, ctx.cipher, job.org_id, wanted)
    if target is None:
        async with ctx.sessions.begin() as session:
            await _count(session, job.org_id, run_id, ok=False, suggested=0)
        return {"skipped": "the company is gone or has no domain"}
    homepage = ctx.config(EnrichmentSettings).homepage and (only is None or HOMEPAGE in only)
    answers = await ask(ctx, target, keys, homepage)
    return await _keep(ctx, job, target, answers, run_id)

async def _keep(ctx: JobContext, job: Job, target: Target, answers: Answers, run_id: str | None) -> dict[str, Any]:
    async with ctx.sessions.begin() as session:
        row = await session.scalar(select(Company).where(Company.org_id == job.org_id, Company.id == target.company_id))
        made = [] if row is None else await service.record(session, job.org_id, row, run_id, answers.facts)
        if row is not None:
            filled = await _fill(ctx, session, row, made)
            emit(session, job.org_id, COMPANY_ENRICHED, CompanyEnriched(
                company_id=row.id, company_name=row.name, domain=target.domain, run_id=run_id,
                suggestions=len(made) - len(filled), fields=sorted({s.field for s in made if s.status == "pending"}),
                sources=sorted(answers.facts), errors=answers.errors, filled=filled), subject_id=row.id)
        queue = ctx.queue(session, job.org_id)
        for source, wait in answers.later.items():
            await queue.enqueue(ENRICH, {"company_id": target.company_id, "sources": [source]}, delay=wait)
        await _count(session, job.org_id, run_id, ok=row is not None, suggested=len(made))
    return {"suggested": len(made), "sources": sorted(answers.facts), "errors": answers.errors,
            "later": answers.later}

async def _fill(ctx: JobContext, session: AsyncSession, row: Company, made: list[Suggestion]) -> list[str]:
    config = ctx.config(EnrichmentSettings)
    if not config.fill_empty:
        return []
    # The organization's own write, made by the hub for it: scoped like a request of one of its keys.
    acting = ActionContext(session, Principal("", row.org_id, "", frozenset({"write"})), ctx.hub)
    return await service.fill_empty(acting, row, made, config.fill_confidence)


async def _count(session: AsyncSession, org_id: str, run_id: str | None, *, ok: bool, suggested: int) -> None:
    """Count one company as finished in its run, in the statement (runs of many jobs count at once)."""
    if run_id is None:
        return
    column = EnrichmentRun.done if ok else EnrichmentRun.failed
    await session.execute(update(EnrichmentRun).where(EnrichmentRun.org_id == org_id, EnrichmentRun.id == run_id)
                          .values({column.key: column + 1, "suggested": EnrichmentRun.suggested + suggested,
                                   "version": EnrichmentRun.version + 1, "updated_at": utcnow()}))
    await _finish_if_complete(session, org_id, run_id)

async def _finish_if_complete(session: AsyncSession, org_id: str, run_id: str) -> None:
    await session.execute(update(EnrichmentRun).where(
        EnrichmentRun.org_id == org_id, EnrichmentRun.id == run_id, EnrichmentRun.status == "running",
        EnrichmentRun.done + EnrichmentRun.failed >= EnrichmentRun.total)
        .values(status="done", finished_at=utcnow(), version=EnrichmentRun.version + 1))

async def progress(session: AsyncSession, org_id: str) -> list[EnrichmentRun]:
    """The organization's runs, newest first (the page shows the last few)."""
    return list(await session.scalars(select(EnrichmentRun).where(EnrichmentRun.org_id == org_id)
                                      .order_by(EnrichmentRun.id.desc()).limit(20)))
