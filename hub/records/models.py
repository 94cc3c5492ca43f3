"""Tables of the CRM records. Every row belongs to one organization and carries a version."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, Money, RecordMixin, UTCDateTime, utcnow

__all__ = ["Activity", "Company", "Contact", "CustomField", "Deal", "Lead", "LineItem", "Pipeline", "Product"]


def _owner() -> Mapped[str | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def _ref(table: str) -> Mapped[str | None]:
    return mapped_column(ForeignKey(f"{table}.id", ondelete="SET NULL"))


class Company(RecordMixin, Base):
    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str | None] = mapped_column(String(100))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Money)
    phone: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(500))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[str | None] = _owner()
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)


class Contact(RecordMixin, Base):
    __tablename__ = "contacts"
    __extra_args__ = (Index(None, "org_id", "email"), Index(None, "org_id", "phone"))

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[str | None] = _ref("companies")
    owner_id: Mapped[str | None] = _owner()
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)


class Lead(RecordMixin, Base):
    __tablename__ = "leads"
    __extra_args__ = (Index(None, "org_id", "email"),)

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    company_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[str | None] = _owner()
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_contact_id: Mapped[str | None] = _ref("contacts")
    converted_company_id: Mapped[str | None] = _ref("companies")
    converted_deal_id: Mapped[str | None] = _ref("deals")
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)


class Pipeline(RecordMixin, Base):
    """A sales pipeline: its ordered stages, each with a win probability."""

    __tablename__ = "pipelines"

    name: Mapped[str] = mapped_column(String(100))
    stages: Mapped[list] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Deal(RecordMixin, Base):
    __tablename__ = "deals"
    __extra_args__ = (Index(None, "org_id", "status", "stage"),)

    name: Mapped[str] = mapped_column(String(200))
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id", ondelete="RESTRICT"))
    stage: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    expected_close: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    # Set by the accounting sync: the won deal's invoice, as the accounting system last told us.
    invoice_status: Mapped[str | None] = mapped_column(String(10))
    invoice_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[str | None] = _owner()
    company_id: Mapped[str | None] = _ref("companies")
    contact_id: Mapped[str | None] = _ref("contacts")
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)


class Activity(RecordMixin, Base):
    """A call, email, meeting or note, linked to at least one record."""

    __tablename__ = "activities"
    __extra_args__ = (Index(None, "org_id", "contact_id"), Index(None, "org_id", "deal_id"),
                      Index("ix_activities_due", "due_at"))

    type: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    direction: Mapped[str | None] = mapped_column(String(10))
    outcome: Mapped[str | None] = mapped_column(String(50))
    owner_id: Mapped[str | None] = _owner()
    contact_id: Mapped[str | None] = _ref("contacts")
    company_id: Mapped[str | None] = _ref("companies")
    lead_id: Mapped[str | None] = _ref("leads")
    deal_id: Mapped[str | None] = _ref("deals")
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Tasks: when one is due, whether it is done, and the due time `task.due` was last emitted for.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=False)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    due_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Product(RecordMixin, Base):
    __tablename__ = "products"
    __extra_args__ = (UniqueConstraint("org_id", "sku"),)

    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)


class LineItem(RecordMixin, Base):
    """A product on a deal, priced at the time it was added."""

    __tablename__ = "line_items"
    __extra_args__ = (Index(None, "deal_id"),)

    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    product_id: Mapped[str | None] = _ref("products")
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_percent: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    @property
    def amount(self) -> Decimal:
        """Quantity times unit price, less the discount, to the cent."""
        return (self.quantity * self.unit_price * (100 - self.discount_percent) / 100).quantize(Decimal("0.01"))


class CustomField(RecordMixin, Base):
    """A typed custom field an organization defines on one record type."""

    __tablename__ = "custom_fields"
    __extra_args__ = (UniqueConstraint("org_id", "record_type", "key"),)

    record_type: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list] = mapped_column(JSONType, default=list)
