"""A territory model compiled for matching: its tree of territories, each with its rules per record type.

Semantics (the module's doc.md tells them with examples): a record reaches a territory only if it meets every
ancestor that has rules for its type, and meets the territory's own rules (any one of them) if it has some; a
territory without rules of its own for the type inherits its parent's. The records a territory takes are those
it is reached by through at least one rule; of the territories that take a record only the deepest of each
branch keep it, and the deepest of all (then the lowest priority, then the name) is its primary one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core_features.territories.rules import CompiledRule, compile_rule, prepare

__all__ = ["CompiledModel", "Match", "Node", "compile_model"]

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
        every = [r for n in nodes for rs in n.rules.values() for r in rs]
        self.postal = tuple({"postal_code"}.union(*(r.postal for r in every)))
        self.fields = tuple(set().union(*(r.fields for r in every)))  # the only ones `prepare` need normalise

    def match(self, record_type: str, record: Record) -> list[Match]:
        """The territories that take the record, its primary one first."""
        found: list[Match] = []
        _walk(self.roots, record_type, prepare(record, self.postal, self.fields), None, found)
        found.sort(key=lambda m: m.order)
        return found

    def explain(self, record_type: str, record: Record) -> list[dict[str, Any]]:
        """Every territory the record reached or was turned away from, with each rule's and item's verdict."""
        out: list[dict[str, Any]] = []
        taken = {m.territory_id for m in self.match(record_type, record)}
        _explain(self.roots, record_type, prepare(record, self.postal, self.fields), True, taken, out)
        return out


def _walk(nodes: Iterable[Node], record_type: str, record: Record, via: tuple[str, bool] | None,
          found: list[Match]) -> bool:
    """Match below `nodes`; answers whether any of them took the record or passed it on."""
    hit = False
    for node in nodes:
        rules = node.rules.get(record_type)
        cause: tuple[str, bool] | None
        if rules:
            for rule in rules:
                if rule.matches(record):
                    cause = (rule.id, False)
                    break
            else:
                continue
        else:  # no rules of its own: what its parent matched comes down (a grouping at the top takes nothing)
            cause = None if via is None else (via[0], True)
        below = _walk(node.children, record_type, record, cause, found) if node.children else False
        if not below and cause is not None:
            found.append(Match(node.id, cause[0], cause[1], node.depth, (-node.depth, node.priority, node.name)))
        hit = hit or below or cause is not None
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


def compile_model(model_id: str, revision: int, territories: Iterable[Any], rules: Iterable[Any]) -> CompiledModel:
    """Compile stored territories and rules (rows or anything with their attributes)."""
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
