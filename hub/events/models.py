from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, UTCDateTime, utcnow

__all__ = ["Event", "IdempotencyRecord"]


class Event(Base):
    """One row of the outbox. `relayed_at` is set once the relay has handed it on."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "org_id", "id"),
        Index(None, "org_id", "type", "id"),
        Index("ix_events_unrelayed", "id", postgresql_where=text("relayed_at IS NULL"),
              sqlite_where=text("relayed_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSONType)
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default="hub")
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """The first answer to a POST with an `Idempotency-Key`, replayed to repeats."""

    __tablename__ = "idempotency_keys"

    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
