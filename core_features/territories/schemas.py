"""What the territory API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "AssignIn",
    "AssignmentOut",
    "CloneIn",
    "ExclusionIn",
    "ExplainOut",
    "ItemIn",
    "ManualIn",
    "MemberIn",
    "MemberOut",
    "ModelIn",
    "ModelOut",
    "ModelPatch",
    "PreviewOut",
    "RealignIn",
    "RealignmentOut",
    "RecordType",
    "RuleIn",
    "RuleOut",
    "TerritoryIn",
    "TerritoryOut",
    "TerritoryPatch",
    "realignment_out",
]

RecordType = Literal["company", "contact", "lead", "deal"]
Name = Annotated[str, Meta(min_length=1, max_length=100)]
Id = Annotated[str, Meta(min_length=3, max_length=40)]
Operator = Literal["equals", "not_equals", "in", "not_in", "contains", "not_contains", "starts_with", "gt", "gte",
                   "lt", "lte", "is_empty", "is_not_empty", "country_in", "region_in", "postal_prefix",
                   "postal_range", "within_radius"]


class ModelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new territory model; it starts in planning."""

    name: Name
    description: Annotated[str, Meta(max_length=10_000)] | None = None
    assign_owner: Annotated[bool, Meta(description="The primary territory's owner becomes the record's owner")] = False


class ModelPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=10_000)] | None | UnsetType = UNSET
    assign_owner: bool | UnsetType = UNSET


class ModelOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    description: str | None
    state: Literal["planning", "active", "archived"]
    assign_owner: bool
    revision: int
    cloned_from_id: str | None
    activated_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class TerritoryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    parent_id: Id | None = None
    description: Annotated[str, Meta(max_length=10_000)] | None = None
    priority: Annotated[int, Meta(ge=0, le=1_000_000, description="Breaks ties between equally deep matches: "
                                                                  "the lowest is primary")] = 100


class TerritoryPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=10_000)] | None | UnsetType = UNSET
    priority: Annotated[int, Meta(ge=0, le=1_000_000)] | UnsetType = UNSET


class TerritoryOut(msgspec.Struct, kw_only=True):
    id: str
    model_id: str
    parent_id: str | None
    name: str
    description: str | None
    depth: int
    priority: int
    created_at: datetime
    updated_at: datetime
    version: int


class ItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One condition: a field (standard, or `custom.<key>`), an operator and its value."""

    operator: Operator
    field: Annotated[str, Meta(max_length=80, description="Optional for the geographic operators")] | None = None
    value: Any = None


class RuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An assignment rule: its items, and how they combine (`(1 AND 2) OR 3`; all of them when left out)."""

    record_type: RecordType
    items: Annotated[list[ItemIn], Meta(max_length=25, description="At least one")]
    name: Name | None = None
    boolean_filter: Annotated[str, Meta(max_length=500)] | None = None
    position: Annotated[int, Meta(ge=1, le=1000)] = 1


class RuleOut(msgspec.Struct, kw_only=True):
    id: str
    territory_id: str
    name: str
    record_type: RecordType
    items: list[dict[str, Any]]
    boolean_filter: str | None
    position: int
    created_at: datetime
    updated_at: datetime
    version: int


class MemberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: Id
    role: Literal["owner", "rep", "manager"] = "rep"


class MemberOut(msgspec.Struct, kw_only=True):
    territory_id: str
    user_id: str
    role: str


class ManualIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Put a record in a territory by hand; realignment never takes it out."""

    record_type: RecordType
    record_id: Id
    primary: bool = False


class AssignmentOut(msgspec.Struct, kw_only=True):
    id: str
    territory_id: str
    territory_name: str
    record_type: str
    record_id: str
    primary: bool
    cause: Literal["rule", "manual"]
    rule_id: str | None
    inherited: bool


class ExplainOut(msgspec.Struct, kw_only=True):
    """Why a record is where it is: its stored assignments, and each territory's verdict on it now."""

    model_id: str
    record_type: str
    record_id: str
    excluded: bool
    assignments: list[AssignmentOut]
    steps: list[dict[str, Any]]


class TerritoryDiff(msgspec.Struct, kw_only=True):
    territory: str
    gained: int
    lost: int
    kept: int


class PreviewOut(msgspec.Struct, kw_only=True):
    """What activating a planning model would change, by territory path (`Parent / Child`)."""

    model_id: str
    compared_with: str | None
    records: int
    moved: int
    territories: list[TerritoryDiff]
    moves: list[dict[str, Any]]


class RealignmentOut(msgspec.Struct, kw_only=True):
    id: str
    model_id: str
    status: str
    record_types: list[str]
    total: int
    processed: int
    changed: int
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class AssignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A record to run a model's rules for now."""

    record_type: RecordType
    record_id: Id


class CloneIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None


class RealignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    record_types: Annotated[list[RecordType], Meta(max_length=4)] = msgspec.field(
        default_factory=lambda: ["company", "contact", "lead", "deal"])


def realignment_out(run: Any) -> RealignmentOut:
    return msgspec.convert(run, RealignmentOut, from_attributes=True)


class ExclusionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Exclude a record from realignment in a model (`excluded`: true), or include it again."""

    record_type: RecordType
    record_id: Id
    excluded: bool = True
