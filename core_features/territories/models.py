"""Territory models, their territories, rules and members, and which records each territory holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime

__all__ = ["Assignment", "Exclusion", "Member", "Realignment", "Rule", "Territory", "TerritoryModel"]


class TerritoryModel(RecordMixin, Base):
    """A complete territory plan: `planning` (being drawn), `active` (one per organization) or `archived`."""

    __tablename__ = "territory_models"

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="planning")
    assign_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every change to its territories or rules: compiled forms are cached by it.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    cloned_from_id: Mapped[str | None] = mapped_column(String(40))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Territory(RecordMixin, Base):
    """A territory in a model's hierarchy; `depth` 1 at the top."""

    __tablename__ = "territories"
    __extra_args__ = (Index(None, "model_id", "parent_id"),)

    model_id: Mapped[str] = mapped_column(ForeignKey("territory_models.id", ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=1)
    # Among equally deep matches, the lowest priority is the record's primary territory.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    # The territory it was cloned from, so that a preview can pair a planning model's territories with the
    # active model's.
    source_id: Mapped[str | None] = mapped_column(String(40))


class Rule(RecordMixin, Base):
    """An assignment rule of a territory: items over one record type's fields, and a boolean filter."""

    __tablename__ = "territory_rules"
    __extra_args__ = (Index(None, "territory_id"),)

    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    model_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    record_type: Mapped[str] = mapped_column(String(10))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    boolean_filter: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=1)


class Member(RecordMixin, Base):
    """A user in a territory, as its owner, a rep or a manager."""

    __tablename__ = "territory_members"
    __extra_args__ = (UniqueConstraint("territory_id", "user_id"),)

    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10), default="rep")


class Assignment(RecordMixin, Base):
    """A record in a territory, and why: the rule that matched (`rule`) or a person (`manual`)."""

    __tablename__ = "territory_assignments"
    __extra_args__ = (UniqueConstraint("territory_id", "record_type", "record_id"),
                      # A record's rows in every model: those of one model, or all of them when it is deleted.
                      Index(None, "org_id", "record_type", "record_id", "model_id"))

    model_id: Mapped[str] = mapped_column(ForeignKey("territory_models.id", ondelete="CASCADE"))
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(40))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    cause: Mapped[str] = mapped_column(String(10), default="rule")
    rule_id: Mapped[str | None] = mapped_column(String(40))
    inherited: Mapped[bool] = mapped_column(Boolean, default=False)


class Exclusion(RecordMixin, Base):
    """A record that realignment leaves where it is, in one model."""

    __tablename__ = "territory_exclusions"
    __extra_args__ = (UniqueConstraint("model_id", "record_type", "record_id"),)

    model_id: Mapped[str] = mapped_column(ForeignKey("territory_models.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(40))


class Realignment(RecordMixin, Base):
    """A run of a whole model's rules over the organization's records, resumable from `cursor`."""

    __tablename__ = "territory_realignments"
    __extra_args__ = (Index(None, "model_id"),)

    model_id: Mapped[str] = mapped_column(ForeignKey("territory_models.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, succeeded, failed
    record_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The record type under way and the last id done in it: a new attempt carries on after it.
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
