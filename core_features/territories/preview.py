"""What activating a planning model would change: each record's primary territory under the planning model's
rules, against where the active model holds it now, compared by territory path (`Americas / West`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from core_features.territories import service
from core_features.territories.assign import compiled, desired
from core_features.territories.models import Assignment, Exclusion, Territory, TerritoryModel
from core_features.territories.operations import active_model
from core_features.territories.records import RECORD_TYPES, load_after
from core_features.territories.schemas import PreviewOut, TerritoryDiff
from core_features.territories.settings import TerritorySettings
from hub.catalog import ActionContext

__all__ = ["paths", "preview"]

MOVES_SHOWN = 50


def paths(territories: list[Territory]) -> dict[str, str]:
    """Each territory's path of names from the top of its model."""
    by_id = {t.id: t for t in territories}
    out: dict[str, str] = {}
    for t in sorted(territories, key=lambda t: t.depth):
        parent = by_id.get(t.parent_id or "")
        out[t.id] = f"{out[parent.id]} / {t.name}" if parent is not None and parent.id in out else t.name
    return out


async def _held(ctx: ActionContext, model: TerritoryModel | None, names: dict[str, str]) -> dict[tuple[str, str], str]:
    """Where a model holds each record now: (type, id) → primary territory's path."""
    if model is None:
        return {}
    rows = await ctx.session.execute(select(Assignment.record_type, Assignment.record_id, Assignment.territory_id)
                                     .where(Assignment.org_id == ctx.org_id, Assignment.model_id == model.id,
                                            Assignment.is_primary.is_(True)))
    return {(kind, rid): names.get(tid, tid) for kind, rid, tid in rows}


async def _manual(ctx: ActionContext, model: TerritoryModel) -> tuple[dict[tuple[str, str], list[Any]], set[Any]]:
    rows = await ctx.session.scalars(select(Assignment).where(Assignment.org_id == ctx.org_id,
                                                              Assignment.model_id == model.id,
                                                              Assignment.cause == "manual"))
    manual: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        manual.setdefault((row.record_type, row.record_id), []).append(row)
    excluded = set((await ctx.session.execute(select(Exclusion.record_type, Exclusion.record_id).where(
        Exclusion.org_id == ctx.org_id, Exclusion.model_id == model.id))).all())
    return manual, excluded


async def preview(ctx: ActionContext, model_id: str) -> PreviewOut:
    """The records each territory would gain, lose and keep if this planning model were activated."""
    model = await service.get_model(ctx, model_id)
    current = await active_model(ctx.session, ctx.org_id)
    names = paths(await service.territories_of(ctx.session, ctx.org_id, model.id))
    old_names = paths(await service.territories_of(ctx.session, ctx.org_id, current.id)) if current else {}
    held = await _held(ctx, current, old_names)
    manual, excluded = await _manual(ctx, model)
    engine, config = await compiled(ctx.session, model), ctx.runtime.config(TerritorySettings)
    gained, lost, kept, moves, seen, moved = Counter[str](), Counter[str](), Counter[str](), [], 0, 0
    for kind in RECORD_TYPES:
        after, read = None, 0
        while read < config.preview_limit and (batch := await load_after(
                ctx.session, ctx.org_id, kind, after, min(2000, config.preview_limit - read),
                config.latitude_field, config.longitude_field)):
            after, read = batch[-1]["id"], read + len(batch)
            for record in batch:
                key = (kind, record["id"])
                if key in excluded:
                    new = held.get(key)
                else:
                    want = desired(engine.match(kind, record), manual.get(key, []))
                    new = next((names[t] for t, w in want.items() if w.primary), None)
                old = held.get(key)
                seen += 1
                if old == new:
                    if new is not None:
                        kept[new] += 1
                    continue
                if new is not None:
                    gained[new] += 1
                if old is not None:
                    lost[old] += 1
                moved += 1
                if len(moves) < MOVES_SHOWN:
                    moves.append({"record_type": kind, "record_id": record["id"], "from": old, "to": new})
    every = sorted(set(names.values()) | set(gained) | set(lost))
    return PreviewOut(model_id=model.id, compared_with=current.id if current else None, records=seen, moved=moved,
                      territories=[TerritoryDiff(territory=t, gained=gained[t], lost=lost[t], kept=kept[t])
                                   for t in every], moves=moves)
