"""Every record type of the CRM, declared once, with its rules."""

from __future__ import annotations

from typing import Any

import phonenumbers
from sqlalchemy import select

from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.records import schemas as s
from hub.records.deals import DEALS
from hub.records.models import (Activity, Company, Contact, CustomField, Deal, Lead, LineItem, Pipeline,
                                Product)
from hub.records.resource import Hooks, Resource, sample_record
from hub.tenancy.models import User

__all__ = ["ACTIVITIES", "COMPANIES", "CONTACTS", "CUSTOM_FIELDS", "DEALS", "LEADS", "LINE_ITEMS", "PIPELINES",
           "PRODUCTS", "RESOURCES", "USERS", "normalize_phone"]


def normalize_phone(value: str | None, region: str = "US") -> str | None:
    """E.164 form of a phone number written in any common way; 422 when it is not a real number."""
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(f"{value!r} is not a valid phone number", errors=[{"field": "phone",
                                                                                   "message": "invalid"}])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PeopleHooks(Hooks):
    """Phones in E.164, emails in lower case."""

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        if values.get("phone") is not None:
            values["phone"] = normalize_phone(values["phone"])
        if values.get("email") is not None:
            values["email"] = values["email"].lower()


class ContactHooks(PeopleHooks):
    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        await super().prepare(ctx, values, existing)
        merged = {k: getattr(existing, k, None) for k in ("first_name", "last_name", "email")} | values
        if not any(merged.get(k) for k in ("first_name", "last_name", "email")):
            raise ValidationFailed("A contact needs a first name, a last name or an email.")


class LeadHooks(ContactHooks):
    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        await super().prepare(ctx, values, existing)
        if values.get("status") == "converted" and getattr(existing, "status", None) != "converted":
            raise ValidationFailed("Convert a lead with POST /v1/leads/{id}/convert, not by setting its status.")
        if existing is not None and existing.status == "converted" and values.get("status", "converted") != "converted":
            raise ValidationFailed("A converted lead stays converted.")


class PipelineHooks(Hooks):
    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        if "stages" in values:
            keys = [stage.key for stage in values["stages"]]
            if len(set(keys)) != len(keys):
                raise ValidationFailed("Stage keys must be unique within a pipeline.")
            values["stages"] = [{"key": st.key, "label": st.label, "probability": st.probability}
                                for st in values["stages"]]
            if existing is not None:
                await self._keep_stages_in_use(ctx, existing, set(keys))

    async def _keep_stages_in_use(self, ctx: Any, pipeline: Any, keys: set[str]) -> None:
        in_use = set((await ctx.session.execute(select(Deal.stage).distinct().where(
            Deal.org_id == ctx.org_id, Deal.pipeline_id == pipeline.id))).scalars())
        if orphaned := sorted(in_use - keys):
            raise ValidationFailed(f"Deals are still in stage(s) {', '.join(orphaned)}; move them first.",
                                   errors=[{"field": "stages", "message": "a removed stage has deals"}])


class ActivityHooks(Hooks):
    LINKS = ("contact_id", "company_id", "lead_id", "deal_id")

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        merged = {k: getattr(existing, k, None) for k in self.LINKS} | values
        if not any(merged.get(k) for k in self.LINKS):
            raise ValidationFailed("An activity must be linked to a contact, company, lead or deal.")
        if existing is None and values.get("occurred_at") is None:
            values["occurred_at"] = utcnow()
        elif "occurred_at" in values and values["occurred_at"] is None:
            raise ValidationFailed("occurred_at cannot be cleared.")


class LineItemHooks(Hooks):
    """A line item takes its name and price from its product unless given."""

    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        if values.get("product_id"):
            product = await ctx.session.get(Product, values["product_id"])
            if values.get("name") is None:
                values["name"] = product.name
            if values.get("unit_price") is None:
                values["unit_price"] = product.unit_price
        if values.get("quantity") is not None and values["quantity"] <= 0:
            raise ValidationFailed("quantity must be more than 0.", errors=[{"field": "quantity", "message": "> 0"}])
        if values.get("discount_percent") is not None and values["discount_percent"] > 100:
            raise ValidationFailed("discount_percent is at most 100.",
                                   errors=[{"field": "discount_percent", "message": "<= 100"}])
        for name in ("name", "unit_price"):
            if (existing is None or name in values) and values.get(name) is None:
                raise ValidationFailed(f"{name} is required when there is no product to take it from.",
                                       errors=[{"field": name, "message": "required"}])


class CustomFieldHooks(Hooks):
    async def prepare(self, ctx: Any, values: dict[str, Any], existing: Any | None) -> None:
        if existing is not None:
            for frozen in ("record_type", "key", "type"):
                if frozen in values and values[frozen] != getattr(existing, frozen):
                    raise ValidationFailed(f"{frozen} of a custom field cannot change; define a new one.")
        kind = values.get("type") or existing.type
        options = values.get("options", getattr(existing, "options", []))
        if kind in ("select", "multiselect") and not options:
            raise ValidationFailed("select and multiselect fields need options.")


_SAMPLE_TIME = "2026-01-15T10:30:00Z"
_NAMED = "Give at least one of first name, last name or email."
_PERSON = {"first_name": _NAMED, "last_name": _NAMED, "email": _NAMED + " Stored in lower case.",
           "phone": "Any common way of writing it; stored in international (E.164) form."}
_LINKED = "Give at least one of contact, company, lead or deal: the record it is about."
USERS = Resource(
    name="user", plural="users", model=User, fields=s.UserFields, id_prefix="usr", custom_fields=False,
    description="A member of the organization: a sales rep, manager or admin.",
    filters=("email", "role", "active"), search=("email", "name"), write_scope="admin", hooks=PeopleHooks(),
    actions=("find",),
    sample=sample_record("usr_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Dana Reyes", email="dana@example.com",
                   phone="+14155550123", role="rep", active=True),
)
COMPANIES = Resource(
    name="company", plural="companies", model=Company, fields=s.CompanyFields, id_prefix="com",
    description="An organization the sales team sells to.", filters=("owner_id", "domain", "industry", "country"),
    search=("name", "domain"), references={"owner_id": User}, actions=("create", "update", "find", "upsert"),
    upsert_key="domain", hooks=PeopleHooks(),
    sample=sample_record("com_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Acme Corp", domain="acme.example", industry="Software",
                   employee_count=250, annual_revenue="12000000", phone="+14155550100",
                   website="https://acme.example", street="1 Market St", city="San Francisco", region="CA",
                   postal_code="94105", country="US", owner_id="usr_06bqv0e7c1k2m3n4p5q6r7s8t9", custom_fields={}),
)
CONTACTS = Resource(
    name="contact", plural="contacts", model=Contact, fields=s.ContactFields, id_prefix="con",
    description="A person at a company.", filters=("email", "phone", "company_id", "owner_id", "country"),
    search=("email", "phone", "last_name"), references={"company_id": Company, "owner_id": User},
    actions=("create", "update", "find", "upsert"), upsert_key="email", hooks=ContactHooks(), field_help=_PERSON,
    sample=sample_record("con_06bqv0e7c1k2m3n4p5q6r7s8t9", first_name="Ada", last_name="Lovelace",
                   email="ada@acme.example", phone="+14155550199", title="CTO",
                   company_id="com_06bqv0e7c1k2m3n4p5q6r7s8t9", owner_id="usr_06bqv0e7c1k2m3n4p5q6r7s8t9",
                   city="San Francisco", country="US", custom_fields={}),
)
LEADS = Resource(
    name="lead", plural="leads", model=Lead, fields=s.LeadFields, read_only=s.LeadReadOnly, id_prefix="led",
    description="A prospect not yet qualified into a contact and deal.",
    filters=("email", "status", "owner_id", "source"), search=("email",), references={"owner_id": User},
    actions=("create", "update", "find", "upsert"), upsert_key="email", hooks=LeadHooks(), field_help=_PERSON,
    sample=sample_record("led_06bqv0e7c1k2m3n4p5q6r7s8t9", first_name="Grace", last_name="Hopper",
                   email="grace@navy.example", phone="+12025550143", company_name="Navy Labs", title="Director",
                   source="webinar", status="new", owner_id="usr_06bqv0e7c1k2m3n4p5q6r7s8t9", converted_at=None,
                   converted_contact_id=None, converted_company_id=None, converted_deal_id=None, custom_fields={}),
)
PIPELINES = Resource(
    name="pipeline", plural="pipelines", model=Pipeline, fields=s.PipelineFields, id_prefix="pip",
    custom_fields=False, events=False, write_scope="admin", hooks=PipelineHooks(),
    description="A sales pipeline and its ordered stages.", filters=("is_default",),
    sample=sample_record("pip_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Sales", is_default=True,
                   stages=[{"key": "qualification", "label": "Qualification", "probability": 10}]),
)
ACTIVITIES = Resource(
    name="activity", plural="activities", model=Activity, fields=s.ActivityFields, id_prefix="act",
    description="A call, email, meeting, note or task on a record.",
    filters=("type", "owner_id", "contact_id", "company_id", "lead_id", "deal_id", "done"),
    references={"owner_id": User, "contact_id": Contact, "company_id": Company, "lead_id": Lead, "deal_id": Deal},
    search=("type", "subject", "contact_id", "company_id", "lead_id", "deal_id"),
    actions=("create", "update", "find"), hooks=ActivityHooks(),
    field_help={link: _LINKED for link in ActivityHooks.LINKS},
    sample=sample_record("act_06bqv0e7c1k2m3n4p5q6r7s8t9", type="call", subject="Discovery call", body="Went well.",
                   occurred_at=_SAMPLE_TIME, duration_seconds=540, direction="outbound", outcome="connected",
                   owner_id="usr_06bqv0e7c1k2m3n4p5q6r7s8t9", contact_id="con_06bqv0e7c1k2m3n4p5q6r7s8t9",
                   company_id=None, lead_id=None, deal_id="dea_06bqv0e7c1k2m3n4p5q6r7s8t9", due_at=None, done=False,
                   custom_fields={}),
)
PRODUCTS = Resource(
    name="product", plural="products", model=Product, fields=s.ProductFields, id_prefix="prd",
    description="Something the organization sells, with its list price.", filters=("sku", "active", "currency"),
    search=("sku", "name"), actions=("create", "update", "find"),
    sample=sample_record("prd_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Pro seat (annual)", sku="PRO-1Y",
                   description="One seat of the Pro plan for a year.", unit_price="192", currency="USD",
                   active=True, custom_fields={}),
)
LINE_ITEMS = Resource(
    name="line_item", plural="line_items", model=LineItem, fields=s.LineItemFields, read_only=s.LineItemReadOnly,
    id_prefix="lin", custom_fields=False, description="A product on a deal, priced when it was added.",
    filters=("deal_id", "product_id"), references={"deal_id": Deal, "product_id": Product}, hooks=LineItemHooks(),
    sample=sample_record("lin_06bqv0e7c1k2m3n4p5q6r7s8t9", deal_id="dea_06bqv0e7c1k2m3n4p5q6r7s8t9",
                   product_id="prd_06bqv0e7c1k2m3n4p5q6r7s8t9", name="Pro seat (annual)", quantity="250",
                   unit_price="192", discount_percent="0", amount="48000"),
)
CUSTOM_FIELDS = Resource(
    name="custom_field", plural="custom_fields", model=CustomField, fields=s.CustomFieldFields, id_prefix="cfd",
    custom_fields=False, events=False, write_scope="admin", hooks=CustomFieldHooks(),
    description="A typed field an organization adds to one record type.", filters=("record_type",),
    sample=sample_record("cfd_06bqv0e7c1k2m3n4p5q6r7s8t9", record_type="deal", key="region", label="Region",
                   type="select", required=False, options=["EMEA", "AMER", "APAC"]),
)

RESOURCES: dict[str, Resource] = {r.name: r for r in (
    USERS, COMPANIES, CONTACTS, LEADS, PIPELINES, DEALS, ACTIVITIES, PRODUCTS, LINE_ITEMS, CUSTOM_FIELDS)}

