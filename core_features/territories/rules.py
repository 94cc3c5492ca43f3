"""Assignment rules: items of field / operator / value, combined by a boolean filter such as `(1 AND 2) OR 3`.

The filter is parsed with lark (a syntax error names its position) and, like every item, turned into a plain
Python closure over already-normalised values: interpreted from the parse tree, never `eval`ed. A record is a
flat dict: standard fields by name, custom fields as `custom.<key>`, coordinates as `_lat` and `_lng`; `prepare`
adds each text once normalised (`~field`, and `#field` for postal codes), so that a thousand territories' rules
do not each casefold the same value again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from hub.errors import ValidationFailed

__all__ = ["GEO_OPERATORS", "OPERATORS", "CompiledRule", "Guard", "Predicate", "compile_filter", "compile_item",
           "compile_rule", "item_guard", "parse_filter", "postal_fields", "prepare"]

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
# What a record must show for a rule to have a chance: alternatives (key, width, values), one of which holds
# whenever the rule matches. The value compared is the record's `key` whole (width 0), its first `width`
# characters, (width -1) the whole degree a coordinate falls in, or (width -2) any two characters in a row
# of a text. The engine indexes rules by them.
Guard = tuple[tuple[str, int, frozenset[Any]], ...]
_MOST_CELLS = 12  # a radius spanning more whole degrees of latitude than this is not worth indexing

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr _OR and_expr -> any_of
?and_expr: not_expr | and_expr _AND not_expr -> all_of
?not_expr: atom | _NOT not_expr -> none_of
?atom: ITEM -> item | "(" or_expr ")"
ITEM: /[0-9]+/
_AND: /and\b/i
_OR: /or\b/i
_NOT: /not\b/i
%import common.WS
%ignore WS
"""
_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=True)

GEO_OPERATORS = ("country_in", "region_in", "postal_prefix", "postal_range", "within_radius")
OPERATORS = ("equals", "not_equals", "in", "not_in", "contains", "not_contains", "starts_with", "gt", "gte", "lt",
             "lte", "is_empty", "is_not_empty", *GEO_OPERATORS)
# The field a geographic operator reads when the item names none.
GEO_FIELDS = {"country_in": "country", "region_in": "region", "postal_prefix": "postal_code",
              "postal_range": "postal_code"}
EARTH_KM = 6371.0088


def _invalid(message: str, field: str = "boolean_filter", **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message, **extra}])


def parse_filter(text: str) -> Tree[Token] | Token:
    """The parse tree of a boolean filter; a 422 naming the column where it goes wrong."""
    return _parsed(text)


@lru_cache(maxsize=4096)  # a model's thousands of rules share a handful of filters; the trees are only read
def _parsed(text: str) -> Tree[Token] | Token:
    try:
        return _PARSER.parse(text)
    except UnexpectedToken as exc:
        if exc.token.type != "$END":
            raise _invalid(f"Unexpected {_found(exc, text)} at position {exc.column} of the filter {text!r}.",
                           position=exc.column) from None
        raise _invalid(f"The filter {text!r} ends too soon (at position {len(text) + 1}).",
                       position=len(text) + 1) from None
    except UnexpectedEOF:
        raise _invalid(f"The filter {text!r} ends too soon (at position {len(text) + 1}).",
                       position=len(text) + 1) from None
    except UnexpectedCharacters as exc:
        raise _invalid(f"Unexpected {_found(exc, text)} at position {exc.column} of the filter {text!r}.",
                       position=exc.column) from None
    except UnexpectedInput as exc:  # any other lark complaint still has a place
        raise _invalid(f"The filter {text!r} is not valid at position {exc.column}.",
                       position=exc.column) from None


def _found(exc: UnexpectedInput, text: str) -> str:
    token = getattr(exc, "token", None)
    if isinstance(token, Token):
        return repr(str(token))
    return repr(text[exc.column - 1]) if 0 < exc.column <= len(text) else "end of filter"


def filter_items(tree: Tree[Token] | Token) -> list[tuple[int, int]]:
    """Every item number the filter names, with its position."""
    if isinstance(tree, Token):
        return [(int(tree), tree.column or 0)]
    if tree.data == "item":
        token = tree.children[0]
        return [(int(token), token.column or 0)]  # type: ignore[arg-type]
    return [found for child in tree.children for found in filter_items(child)]


def compile_filter(text: str, items: Sequence[Predicate]) -> Predicate:
    """A predicate over a record from a filter's parse tree and its items' predicates (numbered from 1)."""
    tree = parse_filter(text)
    named = filter_items(tree)
    for number, position in named:
        if not 1 <= number <= len(items):
            raise _invalid(f"The filter names item {number} at position {position}; the rule has items 1 to "
                           f"{len(items)}.", position=position)
    unused = sorted(set(range(1, len(items) + 1)) - {n for n, _ in named})
    if unused:
        raise _invalid(f"The filter leaves out item {unused[0]}; every item must take part.")
    return _build(tree, items)


def _build(node: Tree[Token] | Token, items: Sequence[Predicate]) -> Predicate:
    if isinstance(node, Token):
        return items[int(node) - 1]
    if node.data == "item":
        return items[int(node.children[0]) - 1]  # type: ignore[arg-type]
    parts = [_build(child, items) for child in node.children]
    if node.data == "none_of":
        inner = parts[0]
        return lambda record: not inner(record)
    left, right = parts
    if node.data == "all_of":
        return lambda record: left(record) and right(record)
    return lambda record: left(record) or right(record)


# -- items -------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return str(value).strip().casefold()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _postal(value: Any) -> str:
    return "".join(str(value).split()).upper()


def prepare(record: Record, postal: Sequence[str] = ("postal_code",), fields: Sequence[str] | None = None) -> Record:
    """The record with its scalars' normalised text beside them (`~field`; only `fields` when given, the ones
    some rule reads) and its postal codes (`#field`)."""
    out = dict(record)
    for key in record if fields is None else fields:
        value = record.get(key)
        if isinstance(value, str):
            out["~" + key] = value.strip().casefold()
        elif value is not None and not isinstance(value, (bool, list, dict)):
            out["~" + key] = str(value).casefold()
    for key in postal:
        if (value := record.get(key)) is not None:
            out["#" + key] = _postal(value)
    return out


def postal_fields(items: Sequence[dict[str, Any]]) -> set[str]:
    """The fields postal operators of these items read, which `prepare` must normalise."""
    return {i.get("field") or "postal_code" for i in items if i.get("operator") in ("postal_prefix", "postal_range")}


def _list(value: Any, field: str, each: Callable[[Any], Any] = _text) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _invalid("This operator takes a non-empty list of values.", field)
    return [each(v) for v in value]


def _compare(key: str, op: str, value: Any, field: str) -> Predicate:
    number = _number(value)
    if number is not None:
        check = {"gt": number.__lt__, "gte": number.__le__, "lt": number.__gt__, "lte": number.__ge__}[op]

        def numeric(record: Record) -> bool:
            found = _number(record.get(key))
            return found is not None and check(found)
        return numeric
    if not isinstance(value, str):
        raise _invalid(f"`{op}` compares with a number or a text (a date as YYYY-MM-DD).", field)
    text = value.strip()
    check = {"gt": text.__lt__, "gte": text.__le__, "lt": text.__gt__, "lte": text.__ge__}[op]
    return lambda record: record.get(key) is not None and check(str(record[key]))


def _equals(key: str, value: Any) -> Predicate:
    if isinstance(value, bool):
        return lambda record: record.get(key) is value
    number = _number(value) if isinstance(value, (int, float, Decimal)) else None
    if number is not None:
        return lambda record: _number(record.get(key)) == number
    wanted, text = _text(value), "~" + key
    return lambda record: record.get(text) == wanted


def _set_member(key: str, value: Any, field: str, each: Callable[[Any], Any] = _text) -> Predicate:
    wanted, text = frozenset(_list(value, field, each)), "~" + key
    return lambda record: record.get(text) in wanted


def _postal_range(key: str, value: Any, field: str) -> Predicate:
    if not isinstance(value, dict) or not value.get("from") or not value.get("to"):
        raise _invalid("`postal_range` takes {\"from\": ..., \"to\": ...}.", field)
    low, high = _postal(value["from"]), _postal(value["to"])
    if len(low) != len(high) or low > high:
        raise _invalid("A postal range runs from a code to a code of the same length, the lower first.", field)
    size, postal = len(low), "#" + key

    def within(record: Record) -> bool:
        code = record.get(postal)
        if code is None:
            return False
        code = code[:size]  # a ZIP+4 is in the range its five digits are
        return len(code) == size and low <= code <= high
    return within


def _radius(value: Any, field: str) -> Predicate:
    try:
        lat, lng, km = float(value["lat"]), float(value["lng"]), float(value["km"])
    except (TypeError, KeyError, ValueError):
        raise _invalid("`within_radius` takes {\"lat\": ..., \"lng\": ..., \"km\": ...}.", field) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180 and km > 0):
        raise _invalid("Latitude is -90 to 90, longitude -180 to 180 and the radius more than 0 km.", field)
    phi, lam = math.radians(lat), math.radians(lng)
    cos_phi = math.cos(phi)
    limit = math.sin(min(km / EARTH_KM, math.pi) / 2) ** 2  # haversine of the angular radius
    lat_span = math.degrees(km / EARTH_KM)

    def near(record: Record) -> bool:
        rlat, rlng = record.get("_lat"), record.get("_lng")
        if rlat is None or rlng is None or abs(rlat - lat) > lat_span:  # the cheap test first
            return False
        p2 = math.radians(rlat)
        h = math.sin((p2 - phi) / 2) ** 2 + cos_phi * math.cos(p2) * math.sin((math.radians(rlng) - lam) / 2) ** 2
        return h <= limit
    return near


def compile_item(field: str | None, operator: str, value: Any, where: str = "items") -> Predicate:
    """One item's predicate; a 422 naming `where` when the operator or its value does not fit."""
    if operator not in OPERATORS:
        raise _invalid(f"Unknown operator {operator!r}; one of {', '.join(OPERATORS)}.", f"{where}.operator")
    key = field or GEO_FIELDS.get(operator, "")
    if not key and operator != "within_radius":
        raise _invalid(f"`{operator}` needs a field.", f"{where}.field")
    at = f"{where}.value"
    if operator == "equals":
        return _equals(key, value)
    if operator == "not_equals":
        same = _equals(key, value)
        return lambda record: not same(record)
    if operator in ("in", "region_in"):
        return _set_member(key, value, at)
    if operator == "country_in":
        return _set_member(key, value, at)
    if operator == "not_in":
        member = _set_member(key, value, at)
        return lambda record: not member(record)
    if operator in ("contains", "not_contains", "starts_with"):
        return _text_match(key, operator, value, at)
    if operator in ("gt", "gte", "lt", "lte"):
        return _compare(key, operator, value, at)
    if operator in ("is_empty", "is_not_empty"):
        empty = operator == "is_empty"
        return lambda record: (record.get(key) in (None, "", [])) is empty
    if operator == "postal_prefix":
        prefixes, postal = tuple(_list(value, at, _postal)), "#" + key
        return lambda record: (code := record.get(postal)) is not None and code.startswith(prefixes)
    if operator == "postal_range":
        return _postal_range(key, value, at)
    return _radius(value, at)


def _text_match(key: str, operator: str, value: Any, at: str) -> Predicate:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"`{operator}` takes a non-empty text.", at)
    part, text = _text(value), "~" + key
    if operator == "starts_with":
        return lambda record: (found := record.get(text)) is not None and found.startswith(part)
    has = (lambda record: (found := record.get(text)) is not None and part in found)
    return has if operator == "contains" else (lambda record: not has(record))


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to run: its id, the record type it reads, its items one by one (for `explain`) and the
    filter over them."""

    id: str
    record_type: str
    items: tuple[Predicate, ...]
    matches: Predicate
    postal: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    guard: Guard | None = None


def compile_rule(rule_id: str, record_type: str, items: Sequence[dict[str, Any]],
                 boolean_filter: str | None) -> CompiledRule:
    """A rule from its stored form; without a filter, every item must hold (`1 AND 2 AND ...`)."""
    if not items:
        raise _invalid("A rule has at least one item.", "items")
    preds = tuple(compile_item(i.get("field"), i.get("operator", ""), i.get("value"), f"items[{n}]")
                  for n, i in enumerate(items))
    if boolean_filter and boolean_filter.strip():
        matches = compile_filter(boolean_filter, preds)
    elif len(preds) == 1:
        matches = preds[0]
    else:
        matches = lambda record: all(p(record) for p in preds)
    read = frozenset(i.get("field") or GEO_FIELDS.get(i.get("operator", ""), "") for i in items) - {""}
    guards = [item_guard(i.get("field"), i["operator"], i.get("value")) for i in items]
    if boolean_filter and boolean_filter.strip():
        guard = _tree_guard(parse_filter(boolean_filter), guards)
    else:
        guard = _narrowest(guards)
    return CompiledRule(rule_id, record_type, preds, matches, frozenset(postal_fields(items)), read, guard)


# -- guards ------------------------------------------------------------------------------------------------

def item_guard(field: str | None, operator: str, value: Any) -> Guard | None:
    """What a record must show for one (already valid) item to hold; None when the item may hold anyway."""
    key = field or GEO_FIELDS.get(operator, "")
    if operator == "equals" and isinstance(value, str):
        return (("~" + key, 0, frozenset([_text(value)])),)
    if operator in ("in", "region_in", "country_in"):
        return (("~" + key, 0, frozenset(_text(v) for v in value)),)
    if operator == "starts_with":
        return (("~" + key, len(_text(value)), frozenset([_text(value)])),)
    if operator == "contains" and len(_text(value)) >= 2:  # the text holds the part's first two characters
        return (("~" + key, -2, frozenset([_text(value)[:2]])),)
    if operator == "postal_prefix":
        widths: dict[int, set[str]] = {}
        for prefix in (_postal(v) for v in value):
            widths.setdefault(len(prefix), set()).add(prefix)
        return None if 0 in widths else tuple(("#" + key, n, frozenset(v)) for n, v in sorted(widths.items()))
    if operator == "postal_range":  # the first character lies between the two ends' first characters
        low, high = ord(_postal(value["from"])[0]), ord(_postal(value["to"])[0])
        return (("#" + key, 1, frozenset(chr(c) for c in range(low, high + 1))),) if high - low < 40 else None
    if operator == "within_radius":
        span = math.degrees(float(value["km"]) / EARTH_KM)
        low, high = math.floor(float(value["lat"]) - span), math.floor(float(value["lat"]) + span)
        return (("_lat", -1, frozenset(range(low, high + 1))),) if high - low < _MOST_CELLS else None
    return None


def _narrowest(guards: Sequence[Guard | None]) -> Guard | None:
    """Of items that must all hold, the guard that lets the fewest values through."""
    known = [g for g in guards if g is not None]
    return min(known, key=lambda g: sum(len(values) for _, _, values in g)) if known else None


def _tree_guard(node: Tree[Token] | Token, guards: Sequence[Guard | None]) -> Guard | None:
    if isinstance(node, Token):
        return guards[int(node) - 1]
    if node.data == "item":
        return guards[int(node.children[0]) - 1]  # type: ignore[arg-type]
    if node.data == "none_of":
        return None
    parts = [_tree_guard(child, guards) for child in node.children]
    if node.data == "all_of":
        return _narrowest(parts)
    if any(part is None for part in parts):  # either side may hold: only a guard on each side bounds both
        return None
    return tuple(alternative for part in parts for alternative in part)  # type: ignore[union-attr]

