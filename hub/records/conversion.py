"""Converting a lead into a contact, and optionally a company and a deal, in one transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import post
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from hub.catalog import ActionContext, EventType
from hub.db import utcnow
from hub.deps import Ctx
from hub.errors import Conflict
from hub.events.service import emit
from hub.records import service
from hub.records.definitions import COMPANIES, CONTACTS, DEALS, LEADS

__all__ = ["LEAD_CONVERTED", "LeadConversion", "LeadConverted", "convert", "convert_lead"]

LEAD_CONVERTED = EventType(
    key="lead.converted", description="A lead was converted into a contact, and maybe a company and deal.",
    payload=LEADS.read, subject="lead",
    sample={**LEADS.sample, "status": "converted", "converted_at": "2026-03-02T16:00:00Z",
            "converted_contact_id": "con_06bqv0e7c1k2", "converted_company_id": "com_06bqv0e7c1k2",
            "converted_deal_id": "dea_06bqv0e7c1k2"})


class LeadConversion(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How to convert: attach to an existing company or make one from the lead; optionally open a deal."""

    company_id: str | None = None
    create_company: bool = True
    create_deal: bool = False
    deal_name: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    deal_amount: Decimal | None = None
    deal_stage: str | None = None


LeadConverted = msgspec.defstruct("LeadConverted", [
    ("lead", LEADS.read), ("contact", CONTACTS.read), ("company", COMPANIES.read | None), ("deal", DEALS.read | None),
], kw_only=True)


async def convert(ctx: ActionContext, lead_id: str, options: LeadConversion) -> Any:
    lead = await service.get(ctx, LEADS, lead_id)
    if lead.status == "converted":
        raise Conflict(f"Lead {lead_id!r} was already converted.")
    before = LEADS.to_read(lead)
    company = None
    company_id = options.company_id
    if company_id is None and options.create_company and lead.company_name:
        company = await service.create(ctx, COMPANIES, COMPANIES.create(name=lead.company_name, owner_id=lead.owner_id))
        company_id = company.id
    elif company_id is not None:
        company = await service.get(ctx, COMPANIES, company_id)
    contact = await service.create(ctx, CONTACTS, CONTACTS.create(
        first_name=lead.first_name, last_name=lead.last_name, email=lead.email, phone=lead.phone, title=lead.title,
        company_id=company_id, owner_id=lead.owner_id, custom_fields={}))
    deal = None
    if options.create_deal:
        name = options.deal_name or f"{lead.company_name or contact.email or 'New'} deal"
        deal = await service.create(ctx, DEALS, DEALS.create(
            name=name, amount=options.deal_amount, stage=options.deal_stage, owner_id=lead.owner_id,
            company_id=company_id, contact_id=contact.id, custom_fields={}))
    lead.status, lead.converted_at = "converted", utcnow()
    lead.converted_contact_id, lead.converted_company_id = contact.id, company_id
    lead.converted_deal_id = deal.id if deal else None
    lead.updated_at = lead.converted_at
    await ctx.session.flush()
    after, old = LEADS.to_read(lead), msgspec.to_builtins(before)
    new = msgspec.to_builtins(after)
    changed = sorted(k for k in new if new[k] != old.get(k) and k not in ("updated_at", "version"))
    emit(ctx.session, ctx.org_id, LEADS.updated_event, LEADS.as_updated(after, old, changed), subject_id=lead.id)
    emit(ctx.session, ctx.org_id, LEAD_CONVERTED, after, subject_id=lead.id)
    return LeadConverted(lead=LEADS.to_read(lead), contact=CONTACTS.to_read(contact),
                         company=COMPANIES.to_read(company) if company else None,
                         deal=DEALS.to_read(deal) if deal else None)


@post("/v1/leads/{lead_id:str}/convert", summary="Convert a lead", tags=["Leads"], status_code=200,
      description="Creates the contact (and company, and deal when asked) and marks the lead converted.")
async def convert_lead(ctx: Ctx, lead_id: FromPath[str], data: JSONBody[LeadConversion]) -> LeadConverted:  # type: ignore[valid-type]
    return await convert(ctx, lead_id, data)
