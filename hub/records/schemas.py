"""Writable fields of every record type; create, update and read schemas derive from these."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from hub.types import AwareDatetime, Email, Int32, Url

__all__ = [
    "ActivityFields", "CompanyFields", "ContactFields", "CustomFieldFields", "DealFields", "DealReadOnly",
    "LeadFields", "LeadReadOnly", "LineItemFields", "LineItemReadOnly", "PipelineFields", "ProductFields",
    "Stage", "UserFields",
]

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Short = Annotated[str, Meta(max_length=100)]
Text = Annotated[str, Meta(max_length=100_000)]
Phone = Annotated[str, Meta(min_length=3, max_length=40, description="Any common format; stored as E.164.")]
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217")]
Id = Annotated[str, Meta(min_length=3, max_length=40)]
# msgspec takes no bounds on Decimal: amounts are checked to be >= 0 when written (records.service).
Amount = Annotated[Decimal, Meta(description="A decimal string, such as \"1250.00\"; never negative.")]


class UserFields(Struct, kw_only=True):
    name: Name
    email: Email
    phone: Phone | None = None
    role: Literal["admin", "manager", "rep"] = "rep"
    active: bool = True


class CompanyFields(Struct, kw_only=True):
    name: Name
    domain: Annotated[str, Meta(max_length=253)] | None = None
    industry: Short | None = None
    employee_count: Int32 | None = None
    annual_revenue: Amount | None = None
    phone: Phone | None = None
    website: Url | None = None
    street: Name | None = None
    city: Short | None = None
    region: Short | None = None
    postal_code: Annotated[str, Meta(max_length=20)] | None = None
    country: Country | None = None
    owner_id: Id | None = None


class ContactFields(Struct, kw_only=True):
    first_name: Short | None = None
    last_name: Short | None = None
    email: Email | None = None
    phone: Phone | None = None
    title: Name | None = None
    company_id: Id | None = None
    owner_id: Id | None = None
    city: Short | None = None
    country: Country | None = None


LeadStatus = Literal["new", "contacted", "qualified", "unqualified", "converted"]


class LeadFields(Struct, kw_only=True):
    first_name: Short | None = None
    last_name: Short | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    title: Name | None = None
    source: Short | None = None
    status: LeadStatus = "new"
    owner_id: Id | None = None


class LeadReadOnly(Struct, kw_only=True):
    converted_at: datetime | None = None
    converted_contact_id: str | None = None
    converted_company_id: str | None = None
    converted_deal_id: str | None = None


class Stage(Struct, kw_only=True, forbid_unknown_fields=True):
    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    label: Name
    probability: Annotated[int, Meta(ge=0, le=100)] = 0


class PipelineFields(Struct, kw_only=True):
    name: Short
    stages: Annotated[list[Stage], Meta(min_length=1, max_length=50)]
    is_default: bool = False


class DealFields(Struct, kw_only=True):
    name: Name
    pipeline_id: Id | None = None
    stage: Annotated[str, Meta(max_length=64)] | None = None
    amount: Amount | None = None
    currency: Currency = "USD"
    expected_close: date | None = None
    status: Literal["open", "won", "lost"] = "open"
    lost_reason: Annotated[str, Meta(max_length=500)] | None = None
    owner_id: Id | None = None
    company_id: Id | None = None
    contact_id: Id | None = None


class DealReadOnly(Struct, kw_only=True):
    closed_at: datetime | None = None
    invoice_status: Literal["open", "paid", "voided"] | None = None
    invoice_paid_at: datetime | None = None


class ActivityFields(Struct, kw_only=True):
    type: Literal["call", "email", "meeting", "note", "task"]
    subject: Annotated[str, Meta(max_length=300)] | None = None
    body: Text | None = None
    occurred_at: AwareDatetime | None = None
    duration_seconds: Int32 | None = None
    direction: Literal["inbound", "outbound"] | None = None
    outcome: Annotated[str, Meta(max_length=50)] | None = None
    owner_id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    lead_id: Id | None = None
    deal_id: Id | None = None
    due_at: Annotated[AwareDatetime, Meta(description="When a task is due; `task.due` fires then.")] | None = None
    done: Annotated[bool, Meta(description="Whether a task is done; a done task never fires `task.due`.")] = False


class ProductFields(Struct, kw_only=True):
    name: Name
    sku: Annotated[str, Meta(max_length=64)] | None = None
    description: Text | None = None
    unit_price: Amount
    currency: Currency = "USD"
    active: bool = True


class LineItemFields(Struct, kw_only=True):
    deal_id: Id
    product_id: Id | None = None
    name: Name | None = None
    quantity: Amount = Decimal(1)
    unit_price: Amount | None = None
    discount_percent: Amount = Decimal(0)


class LineItemReadOnly(Struct, kw_only=True):
    amount: Decimal


class CustomFieldFields(Struct, kw_only=True):
    record_type: Literal["company", "contact", "lead", "deal", "activity", "product"]
    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    label: Name
    type: Literal["text", "number", "integer", "boolean", "date", "datetime", "email", "url", "select",
                  "multiselect"]
    required: bool = False
    options: Annotated[list[Annotated[str, Meta(min_length=1, max_length=100)]], Meta(max_length=500)] = (
        msgspec.field(default_factory=list))
