"""The jobs table: work for outside services, written in the transaction that decided it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow

__all__ = ["JobRow", "PENDING"]

PENDING = text("status = 'pending'")


class JobRow(Base):
    """One unit of work. While pending, `next_attempt_at` is when it is due; a claim moves it one lease
    ahead and stamps `lease`, so a worker that dies leaves a job that comes due again by itself."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "next_attempt_at", postgresql_where=PENDING, sqlite_where=PENDING),
        Index("ix_jobs_org_id_id", "org_id", "id"),
        Index("ix_jobs_org_id_kind_id", "org_id", "kind", "id"),
        Index("uq_jobs_key", "org_id", "kind", "key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, succeeded, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
