"""The insights page: the serving model per kind with its metrics and charts, the hottest leads and the deals
at risk."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.insights import service
from core_features.insights.charts import calibration_chart, gains_chart, importance_chart
from core_features.insights.models import ModelVersion, RecordScore
from hub.records.models import Deal, Lead
from hub.web import Viewer, page

__all__ = ["InsightPages"]

Db = NamedDependency[AsyncSession]
Who = NamedDependency[Viewer]
LISTED = 10


class InsightPages(Controller):
    path = "/insights"

    @get("/", summary="AI insights")
    async def insights_page(self, db: Db, viewer: Who) -> Template:
        org_id = viewer.principal.org_id
        kinds = []
        for kind in service.KINDS:
            model = await service.active(db, org_id, kind)
            labels = await service.labels_of(db, org_id, kind)
            positives, negatives = await service.counts(db, org_id, kind)
            kinds.append({"kind": kind, "model": model, "positives": positives, "negatives": negatives,
                          "charts": _charts(kind, model, labels) if model else None})
        hottest = (await db.execute(
            select(Lead, RecordScore).join(RecordScore, (RecordScore.record_id == Lead.id) & (
                RecordScore.org_id == org_id) & (RecordScore.record_type == "lead"))
            .where(Lead.org_id == org_id, Lead.status.not_in(("converted", "unqualified")))
            .order_by(RecordScore.score.desc(), Lead.id).limit(LISTED))).all()
        at_risk = (await db.execute(
            select(Deal, RecordScore).join(RecordScore, (RecordScore.record_id == Deal.id) & (
                RecordScore.org_id == org_id) & (RecordScore.record_type == "deal"))
            .where(Deal.org_id == org_id, Deal.status == "open", RecordScore.bucket != "hot")
            .order_by(RecordScore.probability, Deal.id).limit(LISTED))).all()
        versions = list(await db.scalars(select(ModelVersion).where(ModelVersion.org_id == org_id)
                                         .order_by(ModelVersion.created_at.desc()).limit(20)))
        return page("insights/insights.html", viewer, kinds=kinds, hottest=hottest, at_risk=at_risk,
                    versions=versions)


def _charts(kind: str, model: ModelVersion, labels: dict[str, str]) -> dict[str, object]:
    return {"gains": gains_chart(f"{kind}-gains", model.metrics),
            "calibration": calibration_chart(f"{kind}-calibration", model.metrics),
            "importance": importance_chart(f"{kind}-importance", model.features, labels)}
