"""The rule engine on its own: boolean filters with nesting and bad syntax, each operator, geography,
inheritance and the deepest match."""

from __future__ import annotations

from types import SimpleNamespace as Row
from typing import Any

import pytest

from core_features.territories.engine import compile_model
from core_features.territories.rules import compile_filter, compile_item, compile_rule, prepare
from hub.errors import ValidationFailed


def _items(*truths: bool) -> list[Any]:
    return [lambda record, t=t: t for t in truths]


class TestBooleanFilter:
    @pytest.mark.parametrize(("text", "truths", "expected"), [
        ("(1 AND 2) OR 3", (True, False, True), True),
        ("(1 AND 2) OR 3", (True, False, False), False),
        ("1 AND (2 OR 3)", (True, False, True), True),
        ("1 and not (2 or 3)", (True, False, False), True),
        ("NOT NOT 1", (True,), True),
        ("((1 OR 2) AND (3 OR (4 AND NOT 5)))", (False, True, False, True, False), True),
        ("((1 OR 2) AND (3 OR (4 AND NOT 5)))", (False, True, False, True, True), False),
        ("1 OR 2 AND 3", (True, False, False), True),  # AND binds tighter than OR
    ])
    def test_nested_filters_follow_boolean_logic(self, text: str, truths: tuple[bool, ...], expected: bool) -> None:
        assert compile_filter(text, _items(*truths))({}) is expected

    @pytest.mark.parametrize(("text", "position", "says"), [
        ("(1 AND 2", 9, "ends too soon"),
        ("1 AND AND 2", 7, "'AND'"),
        ("1 ANDX 2", 3, "position 3"),
        ("1 OR 2)", 7, "')'"),
        ("1 & 2", 3, "'&'"),
    ])
    def test_bad_syntax_is_refused_with_its_position(self, text: str, position: int, says: str) -> None:
        with pytest.raises(ValidationFailed) as caught:
            compile_filter(text, _items(True, True))
        assert caught.value.errors[0]["position"] == position and says in caught.value.detail

    def test_an_item_the_rule_lacks_or_leaves_out_is_refused(self) -> None:
        with pytest.raises(ValidationFailed, match="names item 3 at position 7"):
            compile_filter("1 OR (3 AND 2)", _items(True, True))
        with pytest.raises(ValidationFailed, match="leaves out item 2"):
            compile_filter("1 OR 3", _items(True, True, True))


class TestItems:
    @pytest.mark.parametrize(("field", "op", "value", "record", "expected"), [
        ("industry", "equals", "Software", {"industry": " software"}, True),
        ("industry", "not_equals", "Software", {"industry": None}, True),
        ("employee_count", "gte", 500, {"employee_count": 500}, True),
        ("annual_revenue", "lt", "1000000", {"annual_revenue": "999999.99"}, True),
        ("employee_count", "gt", 10, {"employee_count": None}, False),
        ("industry", "in", ["Retail", "Banking"], {"industry": "banking"}, True),
        ("industry", "not_in", ["Retail"], {"industry": "Banking"}, True),
        ("name", "contains", "corp", {"name": "Acme Corporation"}, True),
        ("name", "starts_with", "acme", {"name": "Umbrella"}, False),
        ("custom.tier", "equals", "gold", {"custom.tier": "Gold"}, True),
        ("domain", "is_empty", None, {"domain": ""}, True),
        (None, "country_in", ["us", "CA"], {"country": "US"}, True),
        (None, "region_in", ["CA", "OR"], {"region": "ca"}, True),
        (None, "postal_prefix", ["94", "SW1"], {"postal_code": "sw1a 1aa"}, True),
        (None, "postal_range", {"from": "10000", "to": "14999"}, {"postal_code": "12345-6789"}, True),
        (None, "postal_range", {"from": "10000", "to": "14999"}, {"postal_code": "15000"}, False),
        (None, "within_radius", {"lat": 37.7749, "lng": -122.4194, "km": 20}, {"_lat": 37.8044, "_lng": -122.2712},
         True),  # Oakland is about 13 km from San Francisco
        (None, "within_radius", {"lat": 37.7749, "lng": -122.4194, "km": 20}, {"_lat": 37.3382, "_lng": -121.8863},
         False),  # San Jose about 68 km
        (None, "within_radius", {"lat": 37.7749, "lng": -122.4194, "km": 20}, {}, False),
    ])
    def test_each_operator(self, field: str | None, op: str, value: Any, record: dict[str, Any],
                           expected: bool) -> None:
        assert compile_item(field, op, value)(prepare(record)) is expected

    @pytest.mark.parametrize(("op", "value", "says"), [
        ("between", 1, "Unknown operator"), ("in", "US", "non-empty list"),
        ("postal_range", {"from": "100", "to": "99"}, "same length"),
        ("within_radius", {"lat": 95, "lng": 0, "km": 5}, "Latitude"), ("contains", "", "non-empty text")])
    def test_a_value_that_does_not_fit_its_operator_is_refused(self, op: str, value: Any, says: str) -> None:
        with pytest.raises(ValidationFailed, match=says):
            compile_item("industry", op, value)

    def test_a_rule_without_filter_needs_every_item(self) -> None:
        rule = compile_rule("r", "company", [{"field": "industry", "operator": "equals", "value": "x"},
                                             {"operator": "country_in", "value": ["US"]}], None)
        assert rule.matches(prepare({"industry": "X", "country": "US"})) and not rule.matches(prepare({"industry": "X"}))


def _tree() -> Any:
    """World > Americas (country US or CA) > West (state CA/OR/WA) > Bay (postal 94*) and Software (inherits
    West, industry software); Americas > Key accounts (no rules: inherits Americas); Europe (country in DE, FR)."""
    t = [Row(id="world", name="World", depth=1, priority=1, parent_id=None),
         Row(id="am", name="Americas", depth=2, priority=1, parent_id="world"),
         Row(id="west", name="West", depth=3, priority=1, parent_id="am"),
         Row(id="bay", name="Bay", depth=4, priority=1, parent_id="west"),
         Row(id="soft", name="Software", depth=4, priority=2, parent_id="west"),
         Row(id="eu", name="Europe", depth=2, priority=2, parent_id="world")]
    r = [Row(id="r-am", territory_id="am", record_type="company", position=1, boolean_filter=None,
             items=[{"operator": "country_in", "value": ["US", "CA"]}]),
         Row(id="r-west", territory_id="west", record_type="company", position=1, boolean_filter=None,
             items=[{"operator": "region_in", "value": ["CA", "OR", "WA"]}]),
         Row(id="r-bay", territory_id="bay", record_type="company", position=1, boolean_filter="1 OR 2",
             items=[{"operator": "postal_prefix", "value": ["94"]},
                    {"operator": "within_radius", "value": {"lat": 37.77, "lng": -122.42, "km": 30}}]),
         Row(id="r-soft", territory_id="soft", record_type="company", position=1, boolean_filter=None,
             items=[{"field": "industry", "operator": "equals", "value": "Software"}]),
         Row(id="r-eu", territory_id="eu", record_type="company", position=1, boolean_filter=None,
             items=[{"operator": "country_in", "value": ["DE", "FR"]}])]
    return compile_model("m", 1, t, r)


class TestHierarchy:
    def test_the_deepest_match_wins_and_several_deepest_are_all_kept(self) -> None:
        found = _tree().match("company", {"country": "US", "region": "CA", "postal_code": "94105",
                                          "industry": "Software"})
        assert [(m.territory_id, m.rule_id) for m in found] == [("bay", "r-bay"), ("soft", "r-soft")]

    def test_a_record_short_of_the_children_stays_with_its_parent(self) -> None:
        found = _tree().match("company", {"country": "US", "region": "OR", "postal_code": "97201"})
        assert [m.territory_id for m in found] == ["west"]

    def test_children_inherit_their_ancestors_rules(self) -> None:
        # Software in Germany meets Software's own rule, but not West's or Americas': Europe takes it.
        found = _tree().match("company", {"country": "DE", "region": "CA", "industry": "Software"})
        assert [m.territory_id for m in found] == ["eu"]

    def test_a_territory_without_rules_takes_what_its_parent_matched(self) -> None:
        rows = [Row(id="am", name="Americas", depth=1, priority=1, parent_id=None),
                Row(id="key", name="Key", depth=2, priority=1, parent_id="am")]
        rules = [Row(id="r-am", territory_id="am", record_type="company", position=1, boolean_filter=None,
                     items=[{"operator": "country_in", "value": ["US"]}])]
        found = compile_model("m", 1, rows, rules).match("company", {"country": "US"})
        assert [(m.territory_id, m.rule_id, m.inherited) for m in found] == [("key", "r-am", True)]

    def test_no_match_and_other_record_types_find_nothing(self) -> None:
        assert _tree().match("company", {"country": "JP"}) == []
        assert _tree().match("lead", {"country": "US"}) == []

    def test_explain_gives_each_rule_and_item_verdict_along_the_way(self) -> None:
        steps = {s["territory_id"]: s for s in _tree().explain(
            "company", {"country": "US", "region": "WA", "postal_code": "98101", "_lat": 47.6, "_lng": -122.3})}
        assert steps["west"]["matched"] and steps["west"]["assigned"]
        assert steps["bay"]["rules"] == [{"rule_id": "r-bay", "matched": False, "items": [False, False]}]
        assert not steps["eu"]["matched"] and "bay" in steps and steps["bay"]["reached"]
