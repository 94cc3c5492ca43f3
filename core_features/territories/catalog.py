"""What territory management adds to the catalog: `territory.assigned`, `territory.changed`, and the actions
to assign a record and to find a record's territories (or territories by name) in the active model."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from sqlalchemy import func, select

from core_features.territories import operations
from core_features.territories.events import SAMPLE, TERRITORY_ASSIGNED, TERRITORY_CHANGED
from core_features.territories.models import Territory
from core_features.territories.schemas import AssignmentOut, RecordType
from hub.catalog import Action, ActionContext, Catalog
from hub.errors import ValidationFailed

__all__ = ["register"]


class AssignTerritory(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Run the active model's rules for one record now."""

    record_type: RecordType
    record_id: Annotated[str, Meta(min_length=3, max_length=40)]


class FindTerritory(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A record's territories in the active model (give `record_type` and `record_id`), or territories of the
    active model by name."""

    record_type: RecordType | None = None
    record_id: Annotated[str, Meta(min_length=3, max_length=40)] | None = None
    name: Annotated[str, Meta(min_length=1, max_length=100, description="Compared whatever its case")] | None = None


class FoundTerritory(msgspec.Struct, kw_only=True):
    territory_id: str
    territory_name: str
    primary: bool | None = None
    cause: str | None = None


async def _assign(ctx: ActionContext, data: AssignTerritory) -> list[AssignmentOut]:
    _, found = await operations.assign_one(ctx, None, data.record_type, data.record_id)
    return found


async def _find(ctx: ActionContext, data: FindTerritory) -> list[FoundTerritory]:
    model = await operations.active_model(ctx.session, ctx.org_id)
    if model is None:
        return []
    if data.record_type and data.record_id:
        return [FoundTerritory(territory_id=a.territory_id, territory_name=a.territory_name, primary=a.primary,
                               cause=a.cause)
                for a in await operations.assignments_of(ctx.session, model, data.record_type, data.record_id)]
    if not data.name:
        raise ValidationFailed("Give record_type and record_id, or name.",
                               errors=[{"field": "name", "message": "or record_type and record_id, required"}])
    rows = await ctx.session.scalars(select(Territory).where(
        Territory.org_id == ctx.org_id, Territory.model_id == model.id,
        func.lower(Territory.name) == data.name.strip().lower()).limit(10))
    return [FoundTerritory(territory_id=t.id, territory_name=t.name) for t in rows]


def register(catalog: Catalog) -> None:
    catalog.add_event(TERRITORY_ASSIGNED)
    catalog.add_event(TERRITORY_CHANGED)
    catalog.add_action(Action(
        key="territory.assign", label="Assign territory", kind="run", input=AssignTerritory,
        output=list[AssignmentOut], handler=_assign, sample={"record_type": "company", "record_id": SAMPLE["record_id"]},
        description="Run the active territory model's rules for one record now; answers its territories."))
    catalog.add_action(Action(
        key="territory.find", label="Find territory", kind="search", input=FindTerritory,
        output=list[FoundTerritory], handler=_find, scope="read",
        sample={"record_type": "company", "record_id": SAMPLE["record_id"]},
        description="A record's territories in the active model, or the active model's territories by name."))
