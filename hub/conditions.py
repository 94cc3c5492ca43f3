"""Conditions on an event's data that decide whether a subscription receives it, checked by the hub before
anything is delivered (a "deal won" hook limited to one pipeline never sees the others).

A condition is plain data, `{"field": "amount", "op": "gte", "value": "1000"}`, stored with the endpoint it
narrows; it is interpreted here and nowhere else, never evaluated as code or pasted into SQL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

__all__ = ["OPS", "Op", "accepts", "holds"]

Op = Literal["eq", "gte", "lte", "contains"]
OPS: tuple[str, ...] = ("eq", "gte", "lte", "contains")


def accepts(conditions: list[dict[str, Any]] | None, data: dict[str, Any]) -> bool:
    """True when the data meets every condition; no condition takes everything."""
    return all(holds(c, data) for c in conditions or ())


def holds(condition: dict[str, Any], data: dict[str, Any]) -> bool:
    """One condition: `eq` compares as text, `gte`/`lte` as exact numbers, `contains` looks in a list."""
    actual, op, wanted = data.get(condition["field"]), condition["op"], condition["value"]
    if actual is None:
        return False
    if op == "eq":
        return _text(actual) == _text(wanted)
    if op == "contains":
        return isinstance(actual, list) and _text(wanted) in {_text(item) for item in actual}
    number, bound = _number(actual), _number(wanted)
    if number is None or bound is None:
        return False
    return number >= bound if op == "gte" else number <= bound


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
