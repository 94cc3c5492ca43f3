"""Deals: their rules (a stage of their pipeline, closing), their record type, and the domain events those
rules emit (`deal.stage_changed`, `deal.won`, `deal.lost`), declared here beside them."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import select

from hub.catalog import EventType
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.records import schemas as s
from hub.records.models import Company, Contact, Deal, Pipeline
from hub.records.resource import Hooks, Resource, sample_record
from hub.tenancy.models import User

__all__ = ["DEALS", "DEAL_LOST", "DEAL_STAGE_CHANGED", "DEAL_WON", "DealStageChanged"]


class DealHooks(Hooks):
    """Deals sit in a stage of their pipeline; closing them as won or lost is a domain event."""

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        pipeline_id = values.get("pipeline_id") or getattr(existing, "pipeline_id", None)
        if pipeline_id is None:
            pipeline_id = await ctx.session.scalar(select(Pipeline.id).where(
                Pipeline.org_id == ctx.org_id).order_by(Pipeline.is_default.desc(), Pipeline.id).limit(1))
            if pipeline_id is None:
                raise ValidationFailed("The organization has no pipeline; create one first.")
            values["pipeline_id"] = pipeline_id
        if "pipeline_id" in values or "stage" in values or existing is None:
            stages = await ctx.session.scalar(select(Pipeline.stages).where(Pipeline.id == pipeline_id))
            keys = [st["key"] for st in stages or []]
            stage = values.get("stage") or getattr(existing, "stage", None) or keys[0]
            if stage not in keys:
                raise ValidationFailed(f"Stage {stage!r} is not in the pipeline; choose one of {keys}.",
                                       errors=[{"field": "stage", "message": "not in pipeline"}])
            values["stage"] = stage
        status = values.get("status")
        if status is not None and status != getattr(existing, "status", None):
            values["closed_at"] = None if status == "open" else utcnow()

    def domain_events(self, before: Any | None, after: Any) -> list[tuple[EventType[Any], msgspec.Struct]]:
        events: list[tuple[EventType[Any], msgspec.Struct]] = []
        if before is not None and (before.stage, before.pipeline_id) != (after.stage, after.pipeline_id):
            events.append((DEAL_STAGE_CHANGED, DealStageChanged(
                **msgspec.structs.asdict(after), previous_stage=before.stage,
                previous_pipeline_id=before.pipeline_id)))
        if after.status in ("won", "lost") and getattr(before, "status", None) != after.status:
            events.append((DEAL_WON if after.status == "won" else DEAL_LOST, after))
        return events


DEALS = Resource(
    name="deal", plural="deals", model=Deal, fields=s.DealFields, read_only=s.DealReadOnly, id_prefix="dea",
    description="A sales opportunity moving through a pipeline.",
    filters=("pipeline_id", "stage", "status", "owner_id", "company_id", "contact_id", "currency"),
    search=("name",), references={"pipeline_id": Pipeline, "owner_id": User, "company_id": Company,
                                  "contact_id": Contact},
    actions=("create", "update", "find", "upsert"), upsert_key="name", hooks=DealHooks(),
    sample=sample_record("dea_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Acme Corp: 250 seats",
                   pipeline_id="pip_06bqv0e7c1k2m3n4p5q6r7s8t9", stage="proposal", amount="48000", currency="USD",
                   expected_close="2026-03-31", status="open", lost_reason=None,
                   owner_id="usr_06bqv0e7c1k2m3n4p5q6r7s8t9", company_id="com_06bqv0e7c1k2m3n4p5q6r7s8t9",
                   contact_id="con_06bqv0e7c1k2m3n4p5q6r7s8t9", closed_at=None, invoice_status=None,
                   invoice_paid_at=None, custom_fields={}),
)
DealStageChanged = msgspec.defstruct("DealStageChanged", [("previous_stage", str), ("previous_pipeline_id", str)],
                                     bases=(DEALS.read,), kw_only=True)
_CLOSED = "2026-03-02T16:00:00Z"
DEAL_STAGE_CHANGED = EventType(
    key="deal.stage_changed", description="A deal moved to another stage.", payload=DealStageChanged,
    subject="deal", sample={**DEALS.sample, "stage": "negotiation", "previous_stage": "proposal",
                            "previous_pipeline_id": DEALS.sample["pipeline_id"]})
DEAL_WON = EventType(key="deal.won", description="A deal was closed as won.", payload=DEALS.read, subject="deal",
                     sample={**DEALS.sample, "status": "won", "closed_at": _CLOSED})
DEAL_LOST = EventType(key="deal.lost", description="A deal was closed as lost.", payload=DEALS.read,
                      subject="deal", sample={**DEALS.sample, "status": "lost", "closed_at": _CLOSED,
                                              "lost_reason": "Chose a competitor"})
