"""Typed custom fields an organization defines per record type, checked on every write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import ValidationFailed
from hub.records.models import CustomField
from hub.types import AwareDatetime, Email, Url

__all__ = ["FIELD_TYPES", "FieldType", "validate"]

FieldType = Literal["text", "number", "integer", "boolean", "date", "datetime", "email", "url", "select",
                    "multiselect"]

FIELD_TYPES: dict[str, Any] = {
    "text": Annotated[str, msgspec.Meta(max_length=10_000)],
    "number": Decimal,
    "integer": int,
    "boolean": bool,
    "date": date,
    "datetime": AwareDatetime,
    "email": Email,
    "url": Url,
    "select": str,
    "multiselect": list[str],
}


async def validate(session: AsyncSession, org_id: str, record_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check a record's whole set of values against the organization's definitions, required ones
    included; answer them in their stored JSON form."""
    defs = {d.key: d for d in (await session.execute(
        select(CustomField).where(CustomField.org_id == org_id, CustomField.record_type == record_type)
    )).scalars()}
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for key, value in values.items():
        definition = defs.get(key)
        if definition is None:
            errors.append({"field": f"custom_fields.{key}", "message": "no such custom field"})
            continue
        try:
            out[key] = _convert(definition, value)
        except (msgspec.ValidationError, ValueError) as exc:
            errors.append({"field": f"custom_fields.{key}", "message": str(exc)})
    for key, definition in defs.items():
        if definition.required and out.get(key) is None:
            errors.append({"field": f"custom_fields.{key}", "message": "required"})
    if errors:
        raise ValidationFailed("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
    return out


def _convert(definition: CustomField, value: Any) -> Any:
    typed = msgspec.convert(value, FIELD_TYPES[definition.type], strict=False)
    if definition.type == "number" and not typed.is_finite():
        raise ValueError("must be a finite number")
    if definition.type == "select" and typed not in definition.options:
        raise ValueError(f"must be one of {definition.options}")
    if definition.type == "multiselect" and not set(typed) <= set(definition.options):
        raise ValueError(f"each value must be one of {definition.options}")
    if definition.type == "number":
        return float(typed) if typed != typed.to_integral_value() else int(typed)
    return msgspec.to_builtins(typed)
