"""Putting records in territories: the same path for one record on its write, one on demand and a batch of a
realignment. Manual assignments stay, excluded records are left alone, each assignment keeps its cause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, delete, literal, null, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core_features.territories.engine import CompiledModel, Match, collection_paused, compile_model
from core_features.territories.events import (
    TERRITORY_ASSIGNED,
    TERRITORY_CHANGED,
    TerritoryAssigned,
    TerritoryChanged,
)
from core_features.territories.models import Assignment, Exclusion, Member, Rule, Territory, TerritoryModel
from core_features.territories.records import table_of
from hub.db import new_id, utcnow
from hub.events.service import emit_many

__all__ = ["Want", "assign_records", "compiled", "desired"]

# Compiled models by id; an entry is good while its revision is the model's.
_COMPILED: dict[str, CompiledModel] = {}


async def compiled(session: AsyncSession, model: TerritoryModel) -> CompiledModel:
    """The model compiled, from the cache while its revision holds."""
    cached = _COMPILED.get(model.id)
    if cached is not None and cached.revision == model.revision:
        return cached
    # Plain rows, not ORM objects: a model holds up to thousands of territories and tens of thousands of rules.
    t, r = Territory.__table__.c, Rule.__table__.c
    territories = (await session.execute(select(t.id, t.name, t.depth, t.priority, t.parent_id).where(
        t.org_id == model.org_id, t.model_id == model.id))).all()
    rules = (await session.execute(select(r.id, r.territory_id, r.record_type, r.position, r["items"],
                                          r.boolean_filter).where(r.org_id == model.org_id,
                                                                  r.model_id == model.id))).all()
    made = compile_model(model.id, model.revision, territories, rules)
    if len(_COMPILED) > 256:  # many organizations in one process: start over rather than grow without end
        _COMPILED.clear()
    _COMPILED[model.id] = made
    return made


@dataclass(frozen=True)
class Want:
    """What a record's assignment to one territory should be."""

    cause: str
    rule_id: str | None
    inherited: bool
    primary: bool


def desired(matches: Sequence[Match], existing: Sequence[Any]) -> dict[str, Want]:
    """Where a record belongs: its manual assignments kept, then what the rules found; one primary."""
    manual = [row for row in existing if row.cause == "manual"]
    chosen = next((row.territory_id for row in manual if row.is_primary), None)
    if chosen is None:
        chosen = matches[0].territory_id if matches else (manual[0].territory_id if manual else None)
    out = {row.territory_id: Want("manual", None, False, row.territory_id == chosen) for row in manual}
    for m in matches:
        out.setdefault(m.territory_id, Want("rule", m.rule_id, m.inherited, m.territory_id == chosen))
    return out


async def assign_records(session: AsyncSession, model: TerritoryModel, record_type: str,
                         records: Sequence[dict[str, Any]], *, emit_events: bool = True,
                         span: tuple[str | None, str] | None = None) -> int:
    """Match and store these records' territories in `model`; answers how many records changed.

    `span` (after, last) says the records are every one of the type with an id in that range, as a
    realignment's batch is: their assignments and exclusions are then read by range, which an index answers
    at once, where a list of a thousand ids makes PostgreSQL walk every assignment of the model.
    """
    if not records:
        return 0
    engine = await compiled(session, model)
    existing: dict[str, list[Any]] = {}
    excluded: set[str] = set()
    if span is None:
        params: dict[str, Any] = {"ids": [r["id"] for r in records]}
    else:
        params = {"after": span[0] or "", "last": span[1]}
    statement = _held_statement(span is not None)
    for row in await session.execute(statement, {"org": model.org_id, "model": model.id, "kind": record_type,
                                                 **params}):
        if row.cause == "excluded":
            excluded.add(row.record_id)
        else:
            existing.setdefault(row.record_id, []).append(row)
    writes = _Writes(model, record_type, engine, emit_events)
    with collection_paused():
        for record in records:
            if record["id"] not in excluded:
                writes.plan(record, engine.match(record_type, record), existing.get(record["id"], []))
    await writes.apply(session)
    return writes.changed


@cache
def _held_statement(by_range: bool) -> Any:
    """Records' assignments, and a row marked `excluded` for each one left alone, in one statement.

    Built once with parameters (the organization, model, record type, and the ids as a list or a range):
    the write path runs it for every record written, and building it anew each time cost more than running it.
    Plain rows, no ORM objects: a realignment reads thousands.
    """
    a, x = Assignment.__table__.c, Exclusion.__table__.c

    def among(column: Any) -> list[Any]:
        if by_range:  # every id is longer than "", so a range from the start needs no other form
            return [column > bindparam("after"), column <= bindparam("last")]
        return [column.in_(bindparam("ids", expanding=True))]

    held = select(a.record_id, a.id, a.territory_id, a.is_primary, a.cause, a.rule_id, a.inherited).where(
        a.org_id == bindparam("org"), a.model_id == bindparam("model"), a.record_type == bindparam("kind"),
        *among(a.record_id))
    blank = [null().cast(c.type).label(c.name) for c in (a.id, a.territory_id, a.is_primary)]
    left_alone = select(x.record_id, *blank, literal("excluded", String).label("cause"),
                        null().cast(a.rule_id.type).label("rule_id"),
                        null().cast(a.inherited.type).label("inherited")).where(
        x.org_id == bindparam("org"), x.model_id == bindparam("model"), x.record_type == bindparam("kind"),
        *among(x.record_id))
    return union_all(held, left_alone)


class _Writes:
    """The inserts, deletes and updates a batch needs, gathered then run in a few statements."""

    def __init__(self, model: TerritoryModel, record_type: str, engine: CompiledModel, emit_events: bool) -> None:
        self.model, self.record_type, self.engine, self.emit_events = model, record_type, engine, emit_events
        self.inserts: list[dict[str, Any]] = []
        self.deletes: list[str] = []
        self.updates: list[dict[str, Any]] = []
        self.assigned: dict[str, TerritoryAssigned] = {}  # by the id of the row that would insert it
        self.moved: list[TerritoryChanged] = []
        self.owners: dict[str, str] = {}  # record id → its primary territory
        self.changed = 0

    def plan(self, record: dict[str, Any], matches: Sequence[Match], rows: Sequence[Any]) -> None:
        want = desired(matches, rows)
        have = {row.territory_id: row for row in rows}
        before = len(self.inserts) + len(self.deletes) + len(self.updates)
        for row in rows:
            if row.territory_id not in want:
                self.deletes.append(row.id)
            elif (w := want[row.territory_id]) != Want(row.cause, row.rule_id, row.inherited, row.is_primary):
                self.updates.append({"b_id": row.id, "rule_id": w.rule_id, "inherited": w.inherited,
                                     "is_primary": w.primary})
        for territory_id, w in want.items():
            if territory_id not in have:
                self._insert(record["id"], territory_id, w)
        if len(self.inserts) + len(self.deletes) + len(self.updates) > before:
            self.changed += 1
            self._moved(record["id"], rows, want)

    def _insert(self, record_id: str, territory_id: str, w: Want) -> None:
        now = utcnow()
        self.inserts.append({"id": new_id("tas"), "org_id": self.model.org_id, "created_at": now, "updated_at": now,
                             "version": 1, "model_id": self.model.id, "territory_id": territory_id,
                             "record_type": self.record_type, "record_id": record_id, "is_primary": w.primary,
                             "cause": w.cause, "rule_id": w.rule_id, "inherited": w.inherited})
        self.assigned[self.inserts[-1]["id"]] = TerritoryAssigned(
            model_id=self.model.id, territory_id=territory_id, territory_name=self._name(territory_id),
            record_type=self.record_type, record_id=record_id, primary=w.primary, cause=w.cause,  # type: ignore[arg-type]
            rule_id=w.rule_id)

    def _moved(self, record_id: str, rows: Sequence[Any], want: dict[str, Want]) -> None:
        old = next((row.territory_id for row in rows if row.is_primary), None)
        new = next((t for t, w in want.items() if w.primary), None)
        if new is not None and new != old:
            self.owners[record_id] = new
        if old is not None and new is not None and old != new:
            self.moved.append(TerritoryChanged(
                model_id=self.model.id, record_type=self.record_type, record_id=record_id,  # type: ignore[arg-type]
                territory_id=new, territory_name=self._name(new), previous_territory_id=old,
                previous_territory_name=self._name(old)))

    def _name(self, territory_id: str) -> str:
        node = self.engine.nodes.get(territory_id)
        return node.name if node is not None else territory_id

    async def apply(self, session: AsyncSession) -> None:
        table = Assignment.__table__
        if self.deletes:
            await session.execute(delete(table).where(table.c.id.in_(self.deletes)))
        if self.updates:
            await _update_rows(session, self.updates)
        inserted: set[str] = set()
        if self.inserts:
            # The write path and a realignment may place the same record at once: the second insert gives way.
            dialect = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
            statement = dialect(table).on_conflict_do_nothing(
                index_elements=["territory_id", "record_type", "record_id"]).returning(table.c.id)
            inserted = set((await session.execute(statement, self.inserts)).scalars())
        if self.model.assign_owner and self.owners:
            await _take_owners(session, self.model, self.record_type, self.owners)
        if self.emit_events:  # a realignment's thousands of events go in a statement per type
            await emit_many(session, self.model.org_id, TERRITORY_ASSIGNED,
                            ((e, e.territory_id) for row_id, e in self.assigned.items() if row_id in inserted))
            await emit_many(session, self.model.org_id, TERRITORY_CHANGED, ((e, e.territory_id) for e in self.moved))


async def _update_rows(session: AsyncSession, updates: list[dict[str, Any]]) -> None:
    table = Assignment.__table__
    statement = (update(table).where(table.c.id == bindparam("b_id"))
                 .values(rule_id=bindparam("rule_id"), inherited=bindparam("inherited"),
                         is_primary=bindparam("is_primary"), updated_at=utcnow(), version=table.c.version + 1))
    await session.execute(statement, updates)


async def _take_owners(session: AsyncSession, model: TerritoryModel, record_type: str,
                       owners: dict[str, str]) -> None:
    """The primary territory's owner becomes the record's owner (where the territory has one)."""
    found: dict[str, str] = {}
    for territory_id, user_id in await session.execute(select(Member.territory_id, Member.user_id).where(
            Member.org_id == model.org_id, Member.territory_id.in_(set(owners.values())), Member.role == "owner")
            .order_by(Member.created_at, Member.id)):
        found.setdefault(territory_id, user_id)  # the first owner, when a territory has several
    table = table_of(record_type)
    for record_id, territory_id in owners.items():
        if (user_id := found.get(territory_id)) is not None:
            await session.execute(update(table).where(table.c.org_id == model.org_id, table.c.id == record_id)
                                  .values(owner_id=user_id, updated_at=utcnow(), version=table.c.version + 1))
