"""AI insights' tables: model versions, the current score of each record, and next-best-action suggestions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow

__all__ = ["ModelVersion", "RecordScore", "Suggestion"]


class ModelVersion(Base):
    """One trained (or training) model of an organization for one kind (`lead` or `deal`)."""

    __tablename__ = "insight_models"
    __table_args__ = (UniqueConstraint("org_id", "kind", "version"), Index(None, "org_id", "kind", "status"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    # training → active (serving), kept (not better than the active one), retired (replaced) or failed
    status: Mapped[str] = mapped_column(String(10), default="training")
    progress: Mapped[str] = mapped_column(String(200), default="queued")
    algorithm: Mapped[str | None] = mapped_column(String(40))
    calibration: Mapped[str | None] = mapped_column(String(10))
    samples: Mapped[int] = mapped_column(Integer, default=0)
    positives: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict] = mapped_column(JSONType, default=dict)
    features: Mapped[list] = mapped_column(JSONType, default=list)
    baseline: Mapped[dict] = mapped_column(JSONType, default=dict)  # typical value of each feature, for factors
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)  # skops, never pickle
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordScore(Base):
    """The current score of one lead or deal, kept beside the hub's record (the record tables are the hub's)."""

    __tablename__ = "insight_scores"
    __table_args__ = (Index(None, "org_id", "record_type", "score"),)

    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(Float)
    bucket: Mapped[str] = mapped_column(String(10))
    regime: Mapped[str] = mapped_column(String(10))  # model or rules
    factors: Mapped[list] = mapped_column(JSONType, default=list)
    model_version: Mapped[int | None] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Suggestion(Base):
    """A next best action offered on a lead or deal, and what the user did with it."""

    __tablename__ = "insight_suggestions"
    __table_args__ = (Index(None, "org_id", "record_type", "record_id", "status"), Index(None, "org_id", "action"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    expected_effect: Mapped[str] = mapped_column(String(200))
    priority: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, accepted, dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
