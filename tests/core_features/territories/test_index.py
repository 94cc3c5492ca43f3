"""The engine's index of rules agrees with trying every rule of every territory, on models and records drawn
at random (with few distinct values, so that rules often match, half match or just miss)."""

from __future__ import annotations

from types import SimpleNamespace as Row
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_features.territories.engine import CompiledModel, Node, compile_model
from core_features.territories.rules import prepare

TEXTS = ["a", "ab", "Ab ", "abc", "b", "ba", "bab", "q1", "xq1y"]
POSTAL = ["10", "100", "1000", "10 05", "199", "2", "20000", "a1b", "A1B 2C3"]
LATITUDES = [-1.5, -0.2, -0.01, 0.0, 0.4, 0.99, 1.0, 1.7, 3.2]

texts = st.sampled_from(TEXTS)


def _item() -> st.SearchStrategy[dict[str, Any]]:
    field = st.sampled_from(["name", "industry", "custom.tier", "domain"])
    return st.one_of(
        st.builds(lambda f, v: {"field": f, "operator": "equals", "value": v}, field, texts),
        st.builds(lambda f, v: {"field": f, "operator": "not_equals", "value": v}, field, texts),
        st.builds(lambda f, v: {"field": f, "operator": "in", "value": v}, field, st.lists(texts, min_size=1, max_size=3)),
        st.builds(lambda f, v: {"field": f, "operator": "not_in", "value": v}, field, st.lists(texts, min_size=1, max_size=2)),
        st.builds(lambda f, v: {"field": f, "operator": "starts_with", "value": v}, field, texts),
        st.builds(lambda f, v: {"field": f, "operator": "contains", "value": v}, field, texts),
        st.builds(lambda f, v: {"field": f, "operator": "is_empty", "value": v}, field, st.none()),
        st.builds(lambda v: {"field": "employee_count", "operator": "gte", "value": v}, st.integers(0, 20)),
        st.builds(lambda v: {"operator": "country_in", "value": v}, st.lists(st.sampled_from(["US", "ca", "DE"]),
                                                                              min_size=1, max_size=2)),
        st.builds(lambda v: {"operator": "postal_prefix", "value": v}, st.lists(st.sampled_from(POSTAL), min_size=1,
                                                                                max_size=3)),
        st.builds(lambda a, b: {"operator": "postal_range", "value": {"from": min(a, b), "to": max(a, b)}},
                  st.sampled_from(["100", "150", "199", "200", "A1B", "Z9Z"]),
                  st.sampled_from(["100", "150", "199", "200", "A1B", "Z9Z"])),
        st.builds(lambda lat, km: {"operator": "within_radius", "value": {"lat": lat, "lng": 0.0, "km": km}},
                  st.sampled_from(LATITUDES), st.sampled_from([1, 30, 120, 5000])),
    )


@st.composite
def _filter(draw: st.DrawFn, count: int) -> str | None:
    """A random boolean filter naming items 1..count once each, or none (all of them must hold)."""
    if count == 1 or draw(st.booleans()):
        return None
    parts = [str(n) for n in draw(st.permutations(range(1, count + 1)))]
    while len(parts) > 1:
        left, right = parts.pop(), parts.pop()
        joined = f"({left} {draw(st.sampled_from(['AND', 'OR']))} {right})"
        parts.append(f"NOT {joined}" if draw(st.integers(0, 4)) == 0 else joined)
    return parts[0]


@st.composite
def models(draw: st.DrawFn) -> tuple[list[Row], list[Row]]:
    territories: list[Row] = []
    rules: list[Row] = []
    for n in range(draw(st.integers(1, 6))):
        parent = draw(st.sampled_from([None, *territories])) if territories else None
        row = Row(id=f"t{n:02d}", name=draw(st.sampled_from(["East", "West", "North"])), priority=draw(st.integers(0, 2)),
                  parent_id=parent.id if parent else None, depth=parent.depth + 1 if parent else 1)
        territories.append(row)
        for position in range(draw(st.integers(0, 3))):
            items = draw(st.lists(_item(), min_size=1, max_size=draw(st.sampled_from([1, 1, 2, 3]))))
            rules.append(Row(id=f"{row.id}r{position}", territory_id=row.id, position=position,
                             record_type=draw(st.sampled_from(["company", "company", "contact"])), items=items,
                             boolean_filter=draw(_filter(len(items)))))
    return territories, rules


records = st.fixed_dictionaries({
    "id": st.just("rec"), "name": texts | st.none(), "industry": texts, "custom.tier": texts | st.none(),
    "domain": texts, "employee_count": st.integers(0, 20) | st.none(),
    "country": st.sampled_from(["us", "CA ", "De", "FR"]) | st.none(), "postal_code": st.sampled_from(POSTAL) | st.none(),
    "_lat": st.sampled_from(LATITUDES) | st.floats(-4, 4) | st.sampled_from([float("nan"), float("inf")]) | st.none(), "_lng": st.sampled_from([0.0, 0.1, 2.0]),
})


def _every_rule(model: CompiledModel, record_type: str, record: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The engine's semantics (see its module), trying every rule of every territory in order."""
    found: list[tuple[tuple[int, int, str], tuple[str, str, bool]]] = []
    record = prepare(record, model.postal, model.fields)

    def walk(nodes: list[Node], via: tuple[str, bool] | None) -> bool:
        hit = False
        for node in nodes:
            rules = node.rules.get(record_type)
            if rules:
                cause = next(((r.id, False) for r in rules if r.matches(record)), None)
                if cause is None:
                    continue
            else:
                cause = None if via is None else (via[0], True)
            below = walk(node.children, cause)
            if not below and cause is not None:
                found.append(((-node.depth, node.priority, node.name), (node.id, *cause)))
            hit = hit or below or cause is not None
        return hit

    walk(model.roots, None)
    return [taken for _, taken in sorted(found, key=lambda pair: pair[0])]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.lists(records, min_size=1, max_size=8), st.sampled_from(["company", "contact"]))
def test_the_index_finds_what_trying_every_rule_finds(model: tuple[list[Row], list[Row]],
                                                     drawn: list[dict[str, Any]], record_type: str) -> None:
    compiled = compile_model("m", 1, *model)
    for record in drawn:
        got = [(m.territory_id, m.rule_id, m.inherited) for m in compiled.match(record_type, record)]
        assert got == _every_rule(compiled, record_type, record)
