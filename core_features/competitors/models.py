"""Competitors of an organization, and which deals each one is in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, RecordMixin, UTCDateTime

__all__ = ["Competitor", "DealCompetitor"]


class Competitor(RecordMixin, Base):
    """A company the organization competes with, and what its reps should know about it."""

    __tablename__ = "competitors"
    # One competitor per name in an organization, whatever its case: "Globex" and "GLOBEX" are the same rival.
    __extra_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(500))
    strengths: Mapped[str | None] = mapped_column(Text)
    weaknesses: Mapped[str | None] = mapped_column(Text)
    pricing_notes: Mapped[str | None] = mapped_column(Text)
    battle_card: Mapped[str | None] = mapped_column(Text)
    battle_card_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DealCompetitor(RecordMixin, Base):
    """A competitor in a deal: still `active`, or the deal was won against it, or lost to it."""

    __tablename__ = "deal_competitors"
    __extra_args__ = (UniqueConstraint("deal_id", "competitor_id"), Index(None, "org_id", "competitor_id"))

    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    competitor_id: Mapped[str] = mapped_column(ForeignKey("competitors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="active")
    notes: Mapped[str | None] = mapped_column(Text)
