"""Provider keys of an organization, the suggestions enrichment makes, and the runs that made them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime

__all__ = ["EnrichmentRun", "ProviderKey", "Suggestion"]


class ProviderKey(RecordMixin, Base):
    """An organization's API key for one enrichment provider, sealed with the hub's cipher."""

    __tablename__ = "enrichment_provider_keys"
    __extra_args__ = (UniqueConstraint("org_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(40))
    sealed_key: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(String(8))  # the key's last characters, to tell keys apart


class Suggestion(RecordMixin, Base):
    """A value a source states for a field of a company: `pending` until a person accepts or rejects it."""

    __tablename__ = "enrichment_suggestions"
    __extra_args__ = (Index(None, "org_id", "company_id", "status"),)

    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    run_id: Mapped[str | None] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(40))
    source_url: Mapped[str | None] = mapped_column(String(2048))
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EnrichmentRun(RecordMixin, Base):
    """One enrichment of a company or of all of them, and how far it has come."""

    __tablename__ = "enrichment_runs"

    scope: Mapped[str] = mapped_column(String(12))  # "company" or "all"
    company_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="running")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
