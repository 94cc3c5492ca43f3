"""What the accounting sync remembers: which CRM record is which external object, and what it did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

__all__ = ["SyncEntry", "SyncLink"]


class SyncLink(Base):
    """A CRM record (company, contact, deal) and the object it became in one provider (Customer or
    Contact, Invoice); `external_version` is QuickBooks' SyncToken where there is one."""

    __tablename__ = "sync_links"
    __table_args__ = (
        Index("uq_sync_links_record", "org_id", "provider", "crm_type", "crm_id", unique=True),
        Index("ix_sync_links_external", "org_id", "provider", "external_type", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    crm_type: Mapped[str] = mapped_column(String(20))
    crm_id: Mapped[str] = mapped_column(String(40))
    external_type: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    external_version: Mapped[str | None] = mapped_column(String(40))
    external_number: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncEntry(Base):
    """One line of an organization's sync log: pushed or pulled, what, and how it ended."""

    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_org_id_id", "org_id", "id"),
                      Index("ix_sync_log_org_id_provider_id", "org_id", "provider", "id"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(4))  # push, pull
    entity: Mapped[str] = mapped_column(String(20))  # customer, invoice, payment
    crm_type: Mapped[str | None] = mapped_column(String(20))
    crm_id: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(10))  # succeeded, retrying, failed
    detail: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
