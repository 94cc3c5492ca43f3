"""The writing assistant's tables: each organization's provider settings, its drafts and its monthly usage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime, utcnow
from hub.records import models as _records  # noqa: F401  (the tables the foreign keys name)

__all__ = ["Draft", "Profile", "Usage"]


class Profile(Base):
    """An organization's writing settings; the API key is AES-GCM sealed under `writing-key:<org>:<provider>`."""

    __tablename__ = "writing_profiles"

    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="template")
    model: Mapped[str | None] = mapped_column(String(100))
    api_key_enc: Mapped[str | None] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(String(500))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str | None] = mapped_column(Text)
    monthly_cap_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draft(RecordMixin, Base):
    """A draft as it was written and checked; it becomes an email activity only when someone saves it."""

    __tablename__ = "writing_drafts"
    __extra_args__ = (Index(None, "org_id", "record_id"),)

    record_type: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(40))
    goal: Mapped[str] = mapped_column(String(20))
    tone: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(100))
    facts: Mapped[list] = mapped_column(JSONType, default=list)
    findings: Mapped[list] = mapped_column(JSONType, default=list)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))


class Usage(Base):
    """Tokens and dollars one organization spent with one model in one calendar month (UTC)."""

    __tablename__ = "writing_usage"
    __table_args__ = (UniqueConstraint("org_id", "month", "provider", "model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    provider: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100))
    drafts: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6), default=Decimal(0))
