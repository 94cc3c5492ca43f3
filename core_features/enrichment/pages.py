"""The enrichment pages: runs with their progress and the companies with suggestions waiting; one company's
suggestions, each accepted or rejected by a person."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.enrichment import runs, service
from core_features.enrichment.models import EnrichmentRun, Suggestion
from hub.catalog import ActionContext
from hub.errors import NotFound
from hub.records.models import Company
from hub.runtime import Hub
from hub.web import Viewer, page
from hub.web.svg import bar_rows

__all__ = ["EnrichmentPages", "progress_chart"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
WRITE = {"scope": "write"}
NOTICES = {"started": "Enrichment of every company queued; its progress shows below.",
           "accepted": "Suggestion accepted: the company holds the value now, with its source.",
           "rejected": "Suggestion rejected: it will not be suggested again from that source."}


def _ctx(request: Request[Any, Any, Any], db: AsyncSession, viewer: Viewer) -> ActionContext:
    return ActionContext(session=db, principal=viewer.principal, hub=Hub.of(request))


def progress_chart(rows: list[EnrichmentRun]) -> Markup:
    """One bar per run: the share of its companies finished."""
    bars = [(f"{'Every company' if r.scope == 'all' else 'One company'} {r.created_at:%d %b %H:%M}",
             runs.run_out(r).progress, f"{r.done + r.failed} of {r.total}") for r in rows]
    return bar_rows("enrichment-progress", "Enrichment runs: companies finished of each run's total", bars, top=1.0)


class EnrichmentPages(Controller):
    path = "/enrichment"

    @get("/", summary="Enrichment runs and suggestions waiting")
    async def overview(self, db: Db, viewer: Who, notice: FromQuery[str] = "") -> Template:
        org_id = viewer.principal.org_id
        recent = await runs.progress(db, org_id)
        waiting = (await db.execute(
            select(Company.id, Company.name, func.count(Suggestion.id))
            .join(Suggestion, Suggestion.company_id == Company.id)
            .where(Company.org_id == org_id, Suggestion.org_id == org_id, Suggestion.status == "pending")
            .group_by(Company.id, Company.name).order_by(Company.name).limit(200))).all()
        return page("enrichment/overview.html", viewer, notice=NOTICES.get(notice, ""), runs=recent[:8],
                    chart=progress_chart(recent[:8]), waiting=waiting)

    @post("/runs", summary="Enrich every company", opt=WRITE)
    async def start(self, request: Request, db: Db, viewer: Who) -> Redirect:
        await runs.start_all(_ctx(request, db, viewer))
        return Redirect("/portal/enrichment?notice=started", status_code=303)

    @get("/{company_id:str}", summary="A company's suggestions")
    async def company_page(self, request: Request, db: Db, viewer: Who, company_id: FromPath[str],
                           notice: FromQuery[str] = "") -> Template:
        ctx = _ctx(request, db, viewer)
        found = await service.company(db, viewer.principal.org_id, company_id)
        enriched = await service.enrichment(ctx, company_id)
        return page("enrichment/company.html", viewer, notice=NOTICES.get(notice, ""), company=found,
                    enrichment=enriched)

    @post("/{company_id:str}/suggestions/{suggestion_id:str}/{decision:str}", summary="Accept or reject",
          opt=WRITE)
    async def decide(self, request: Request, db: Db, viewer: Who, company_id: FromPath[str],
                     suggestion_id: FromPath[str], decision: FromPath[str]) -> Redirect:
        ctx = _ctx(request, db, viewer)
        if decision == "accept":
            await service.accept(ctx, company_id, suggestion_id)
        elif decision == "reject":
            await service.reject(ctx, company_id, suggestion_id)
        else:
            raise NotFound(f"No decision {decision!r}: accept or reject.")
        return Redirect(f"/portal/enrichment/{company_id}?notice={decision}ed", status_code=303)
