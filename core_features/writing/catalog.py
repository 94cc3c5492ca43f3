"""What the writing assistant adds to the catalog: the `writing.compose_email` action, for Zapier, Make and Slack."""

from __future__ import annotations

from core_features.writing import service
from core_features.writing.schemas import ComposeIn, DraftOut
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]


async def _compose(ctx: ActionContext, data: ComposeIn) -> DraftOut:
    plan = await service.prepare(ctx, data)
    return service.draft_out(await service.compose_planned(ctx.session, plan), plan.notes)


def register(catalog: Catalog) -> None:
    catalog.add_action(Action(
        key="writing.compose_email", label="Compose email", kind="create", input=ComposeIn, output=DraftOut,
        handler=_compose, description=(
            "Draft an email to the person of a contact, lead or deal, grounded in the CRM and fact-checked. The draft "
            "is kept, never sent; save it as an activity with POST /v1/writing/drafts/{id}/save."),
        sample={"record_type": "deal", "record_id": "dea_06bqv0e7c1k2m3n4p5q6r7s8t9", "goal": "follow_up",
                "tone": "friendly", "length": "short"}))
