"""Telephony tables: each organization's Twilio account, and one row per call through it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, RecordMixin, UTCDateTime, utcnow
from hub.records import models as _records  # noqa: F401  (the tables the foreign keys name)

__all__ = ["Call", "FINAL_STATUSES", "STATUS_ORDER", "Telephony"]

# Twilio's call statuses in the order a call passes them; "pending" is the hub's own, before Twilio has it.
STATUS_ORDER = ("pending", "queued", "initiated", "ringing", "in-progress")
FINAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


class Telephony(Base):
    """An organization's Twilio account; the auth token is AES-GCM sealed under `twilio-token:<org>`."""

    __tablename__ = "telephony_settings"

    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    account_sid: Mapped[str] = mapped_column(String(34))
    auth_token_enc: Mapped[str] = mapped_column(Text)
    caller_id: Mapped[str] = mapped_column(String(20))
    record_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Call(RecordMixin, Base):
    """One phone call between a rep and a contact, outbound (click-to-call) or inbound."""

    __tablename__ = "calls"
    # A CallSid names one call at Twilio: an inbound webhook sent twice finds the row made the first time.
    __extra_args__ = (Index("uq_calls_org_id_call_sid", "org_id", "call_sid", unique=True),
                      Index(None, "org_id", "contact_id", "id"), Index(None, "org_id", "user_id", "id"))

    direction: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    call_sid: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(20))
    contact_number: Mapped[str | None] = mapped_column(String(20))
    rep_number: Mapped[str | None] = mapped_column(String(20))
    caller_id: Mapped[str] = mapped_column(String(20))
    record: Mapped[bool] = mapped_column(Boolean, default=False)
    dial_status: Mapped[str | None] = mapped_column(String(20))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(300))
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
