"""Territory management's settings: `HUB_TERRITORIES_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["TerritorySettings"]


class TerritorySettings(ModuleSettings, kw_only=True, frozen=True):
    """Limits of a model, where records keep their coordinates, and how realignment paces itself."""

    prefix: ClassVar[str] = "territories"

    max_territories: Annotated[int, doc("Territories one model may hold.", ge=1, le=100_000)] = 1000
    max_rules: Annotated[int, doc("Assignment rules one territory may hold.", ge=1, le=100)] = 15
    max_depth: Annotated[int, doc("Levels of the territory hierarchy.", ge=1, le=50)] = 10
    latitude_field: Annotated[str, doc(
        "The custom field (of companies, contacts, leads and deals) that holds a record's latitude.",
        min_length=1, max_length=64)] = "latitude"
    longitude_field: Annotated[str, doc(
        "The custom field that holds a record's longitude.", min_length=1, max_length=64)] = "longitude"
    batch_size: Annotated[int, doc(
        "Records a realignment reads, matches and writes per transaction; its progress is saved after each.",
        ge=1, le=50_000)] = 1000
    attempt_seconds: Annotated[float, doc(
        "How long one attempt of a realignment runs before it hands over to the next (well inside the job "
        "lease).", gt=0, le=3600)] = 30.0
    preview_limit: Annotated[int, doc(
        "Records of each type a preview of activation compares, at most.", ge=1, le=1_000_000)] = 200_000
