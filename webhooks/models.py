"""Tables of the delivery engine. The database is the source of truth for every message and attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime, utcnow

__all__ = ["Attempt", "Endpoint", "EndpointSecret", "Message"]


class Endpoint(RecordMixin, Base):
    """Where an organization wants its events delivered, and how."""

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list] = mapped_column(JSONType, default=list)
    headers_enc: Mapped[str | None] = mapped_column(Text)
    rate_limit: Mapped[int | None] = mapped_column(Integer)
    max_concurrency: Mapped[int] = mapped_column(Integer, default=10)
    ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(10), default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Another part of the hub owns this endpoint (`hook:<id>`, a REST hook): it is changed or removed there.
    managed_by: Mapped[str | None] = mapped_column(String(60))
    # Conditions on an event's data (`hub.conditions`), all of which it must meet to be delivered here.
    filters: Mapped[list | None] = mapped_column(JSONType)


class EndpointSecret(Base):
    """A signing secret, encrypted at rest. The current one has no expiry; a rotated one signs until it expires."""

    __tablename__ = "webhook_secrets"
    __table_args__ = (Index(None, "endpoint_id", "expires_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    secret_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """One event for one endpoint. Its id is the `webhook-id` of every attempt."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        Index(None, "org_id", "id"),
        Index(None, "endpoint_id", "id"),
        Index(None, "org_id", "event_type", "id"),
        Index("ix_webhook_messages_due", "next_attempt_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        Index("ix_webhook_messages_due_by_endpoint", "endpoint_id", "next_attempt_at",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str | None] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attempt(Base):
    """One HTTP attempt of a message, kept after the payload is purged."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index(None, "message_id", "number"), Index(None, "endpoint_id", "started_at"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict | None] = mapped_column(JSONType)
    response_body: Mapped[str | None] = mapped_column(Text)
    error_class: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(10))
