"""The events of territory management, declared beside the assignment that emits them (`assign.py`)."""

from __future__ import annotations

from typing import Literal

import msgspec

from hub.catalog import EventType

__all__ = ["SAMPLE", "TERRITORY_ASSIGNED", "TERRITORY_CHANGED", "TerritoryAssigned", "TerritoryChanged"]

RecordType = Literal["company", "contact", "lead", "deal"]


class TerritoryAssigned(msgspec.Struct, kw_only=True):
    """A record was placed in a territory of the active model."""

    model_id: str
    territory_id: str
    territory_name: str
    record_type: RecordType
    record_id: str
    primary: bool
    cause: Literal["rule", "manual"]
    rule_id: str | None = None


class TerritoryChanged(msgspec.Struct, kw_only=True):
    """A record's primary territory moved from one territory to another."""

    model_id: str
    record_type: RecordType
    record_id: str
    territory_id: str
    territory_name: str
    previous_territory_id: str
    previous_territory_name: str


SAMPLE = {"model_id": "tmd_06bqv0e7c1k2m3n4p5q6r7s8t9", "record_type": "company",
          "record_id": "com_06bqv0e7c1k2m3n4p5q6r7s8t9", "territory_id": "ter_06bqv0e7c1k2m3n4p5q6r7s8t9",
          "territory_name": "US West"}
TERRITORY_ASSIGNED = EventType(
    key="territory.assigned", payload=TerritoryAssigned, subject="territory", label="Record assigned to territory",
    description="A company, contact, lead or deal was placed in a territory of the active model, by a rule or "
                "by hand.",
    sample={**SAMPLE, "primary": True, "cause": "rule", "rule_id": "trl_06bqv0e7c1k2m3n4p5q6r7s8t9"})
TERRITORY_CHANGED = EventType(
    key="territory.changed", payload=TerritoryChanged, subject="territory", label="Record changed territory",
    description="A record's primary territory in the active model moved to another territory.",
    sample={**SAMPLE, "previous_territory_id": "ter_16bqv0e7c1k2m3n4p5q6r7s8t9",
            "previous_territory_name": "US Central"})
