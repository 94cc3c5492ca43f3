"""A territory model compiled for matching: its tree of territories, each with its rules per record type.

Semantics (the module's doc.md tells them with examples): a record reaches a territory only if it meets every
ancestor that has rules for its type, and meets the territory's own rules (any one of them) if it has some; a
territory without rules of its own for the type inherits its parent's. The records a territory takes are those
it is reached by through at least one rule; of the territories that take a record only the deepest of each
branch keep it, and the deepest of all (then the lowest priority, then the name) is its primary one.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from core_features.territories.rules import CompiledRule, compile_rule, prepare

__all__ = ["CompiledModel", "Match", "Node", "collection_paused", "compile_model"]

Record = dict[str, Any]


@dataclass(eq=False)
class Node:
    id: str
    name: str
    depth: int
    priority: int
    parent_id: str | None
    rules: dict[str, tuple[CompiledRule, ...]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    rule_summaries: list[str] = field(default_factory=list)
    below: dict[str, _Siblings] = field(default_factory=dict)  # its children's rules indexed, per record type


@dataclass(frozen=True)
class Match:
    """A territory that takes a record: the rule that brought it there, and whether an ancestor's rule did."""

    territory_id: str
    rule_id: str
    inherited: bool
    depth: int
    order: tuple[int, int, str]


class CompiledModel:
    """A model's hierarchy with compiled rules, read-only once built and shared across requests."""

    def __init__(self, model_id: str, revision: int, nodes: Sequence[Node]) -> None:
        self.model_id, self.revision = model_id, revision
        self.nodes = {node.id: node for node in nodes}
        for node in nodes:
            if node.parent_id in self.nodes:
                self.nodes[node.parent_id].children.append(node)
        for node in nodes:
            node.children.sort(key=lambda n: (n.priority, n.name))
        self.roots = sorted((n for n in nodes if n.parent_id not in self.nodes), key=lambda n: (n.priority, n.name))
        types = {t for n in nodes for t in n.rules}
        self.top = {t: _Siblings(self.roots, t) for t in types}
        for node in nodes:
            if node.children:
                node.below = {t: _Siblings(node.children, t) for t in types}
        every = [r for n in nodes for rs in n.rules.values() for r in rs]
        self.postal = tuple({"postal_code"}.union(*(r.postal for r in every)))
        self.fields = tuple(set().union(*(r.fields for r in every)))  # the only ones `prepare` need normalise

    def match(self, record_type: str, record: Record) -> list[Match]:
        """The territories that take the record, its primary one first."""
        found: list[Match] = []
        if (top := self.top.get(record_type)) is not None:
            _walk(top, record_type, prepare(record, self.postal, self.fields), None, found)
        found.sort(key=lambda m: m.order)
        return found

    def explain(self, record_type: str, record: Record) -> list[dict[str, Any]]:
        """Every territory the record reached or was turned away from, with each rule's and item's verdict."""
        out: list[dict[str, Any]] = []
        taken = {m.territory_id for m in self.match(record_type, record)}
        _explain(self.roots, record_type, prepare(record, self.postal, self.fields), True, taken, out)
        return out


Entry = tuple[int, int, CompiledRule]  # a sibling's place, the rule's place among its own, the rule


class _Siblings:
    """The children of one node (or the roots), for one record type, with their rules indexed by guard.

    A rule whose guard a record does not show cannot match it, so of a level's rules only those the record's
    values find in the index, and those without a guard, are tried.
    """

    def __init__(self, nodes: Sequence[Node], record_type: str) -> None:
        self.nodes = list(nodes)
        self.plain = tuple(i for i, n in enumerate(nodes) if not n.rules.get(record_type))  # they inherit
        always: list[Entry] = []
        whole: dict[str, dict[Any, list[Entry]]] = {}
        heads: dict[tuple[str, int], dict[Any, list[Entry]]] = {}
        cells: dict[str, dict[Any, list[Entry]]] = {}
        pairs: dict[str, dict[Any, list[Entry]]] = {}
        for i, node in enumerate(nodes):
            for position, rule in enumerate(node.rules.get(record_type, ())):
                entry = (i, position, rule)
                if rule.guard is None:
                    always.append(entry)
                for key, width, values in rule.guard or ():
                    table = (whole.setdefault(key, {}) if width == 0 else heads.setdefault((key, width), {})
                             if width > 0 else cells.setdefault(key, {}) if width == -1 else pairs.setdefault(key, {}))
                    for value in values:
                        table.setdefault(value, []).append(entry)
        self.always = tuple(always)
        self.whole = tuple(whole.items())
        self.heads = tuple((key, width, table) for (key, width), table in heads.items())
        self.cells = tuple(cells.items())
        self.pairs = tuple((key, tuple(table.items())) for key, table in pairs.items())

    def causes(self, record: Record, via: tuple[str, bool] | None) -> dict[int, tuple[str, bool] | None]:
        """The siblings that take the record or pass it on, by place: the first of its rules that matches (by
        the rules' order), or for one without rules what its parent matched."""
        found: list[Sequence[Entry]] = [self.always]
        get = record.get
        for key, table in self.whole:
            if (value := get(key)) is not None and (hit := table.get(value)) is not None:
                found.append(hit)
        for key, width, table in self.heads:
            if (value := get(key)).__class__ is str and (hit := table.get(value[:width])) is not None:
                found.append(hit)
        for key, table in self.cells:
            if ((value := get(key)).__class__ in (float, int) and math.isfinite(value)
                    and (hit := table.get(math.floor(value))) is not None):
                found.append(hit)
        for key, grams in self.pairs:  # a level's rules have few distinct pairs: look each up in the text
            if (value := get(key)).__class__ is str:
                found += [entries for gram, entries in grams if gram in value]
        best: dict[int, tuple[int, str]] = {}
        for entries in found:
            for i, position, rule in entries:
                if ((had := best.get(i)) is None or position < had[0]) and rule.matches(record):
                    best[i] = (position, rule.id)
        out: dict[int, tuple[str, bool] | None] = {i: (rule_id, False) for i, (_, rule_id) in best.items()}
        for i in self.plain:
            out[i] = None if via is None else (via[0], True)  # a grouping at the top takes nothing itself
        return out


def _walk(group: _Siblings, record_type: str, record: Record, via: tuple[str, bool] | None,
          found: list[Match]) -> bool:
    """Match below `group`'s parent; answers whether any of its nodes took the record or passed it on."""
    causes = group.causes(record, via)
    hit = False
    for i in sorted(causes):
        node, cause = group.nodes[i], causes[i]
        below = node.below.get(record_type)
        deeper = _walk(below, record_type, record, cause, found) if below is not None else False
        if not deeper and cause is not None:
            found.append(Match(node.id, cause[0], cause[1], node.depth, (-node.depth, node.priority, node.name)))
        hit = hit or deeper or cause is not None
    return hit


def _explain(nodes: Iterable[Node], record_type: str, record: Record, reached: bool, taken: set[str],
             out: list[dict[str, Any]]) -> None:
    for node in nodes:
        rules = node.rules.get(record_type, ())
        verdicts = [{"rule_id": r.id, "matched": bool(r.matches(record)),
                     "items": [bool(item(record)) for item in r.items]} for r in rules]
        meets = reached and (not rules or any(v["matched"] for v in verdicts))
        out.append({"territory_id": node.id, "name": node.name, "depth": node.depth, "reached": reached,
                    "own_rules": bool(rules), "matched": meets, "assigned": node.id in taken, "rules": verdicts})
        if meets:
            _explain(node.children, record_type, record, True, taken, out)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off for a stretch of plain computation (no `await` inside, so no other
    task runs meanwhile): building a model's tens of thousands of closures, or matching a batch, would otherwise
    set off collections that walk every object the process holds, several times over, to find no garbage."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def compile_model(model_id: str, revision: int, territories: Iterable[Any], rules: Iterable[Any]) -> CompiledModel:
    """Compile stored territories and rules (rows or anything with their attributes)."""
    with collection_paused():
        return _compile(model_id, revision, territories, rules)


def _compile(model_id: str, revision: int, territories: Iterable[Any], rules: Iterable[Any]) -> CompiledModel:
    nodes = {t.id: Node(t.id, t.name, t.depth, t.priority, t.parent_id) for t in territories}
    grouped: dict[tuple[str, str], list[Any]] = {}
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        grouped.setdefault((rule.territory_id, rule.record_type), []).append(rule)
    for (territory_id, record_type), rows in grouped.items():
        if territory_id in nodes:
            nodes[territory_id].rules[record_type] = tuple(
                compile_rule(r.id, r.record_type, r.items, r.boolean_filter) for r in rows)
            nodes[territory_id].rule_summaries += [summary(r) for r in rows]
    return CompiledModel(model_id, revision, list(nodes.values()))


def summary(rule: Any) -> str:
    """A rule in one line, for the tree page: `company: (1 AND 2) OR 3 — 1 country in US, CA; ...`."""
    items = "; ".join(f"{n} {i.get('field') or ''} {i.get('operator', '').replace('_', ' ')} {_value(i.get('value'))}"
                      .replace("  ", " ") for n, i in enumerate(rule.items, 1))
    logic = rule.boolean_filter or " AND ".join(str(n) for n in range(1, len(rule.items) + 1))
    return f"{rule.record_type}: {logic} — {items}"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value[:8]) + (" …" if len(value) > 8 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))  # JSONB keeps no order of its own
    return "" if value is None else str(value)
