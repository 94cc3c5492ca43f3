"""The accounting sync's view of one Xero organisation (tenant): contacts and sales invoices in CRM terms."""

from __future__ import annotations

import hashlib
from typing import Any

from connectors.accounting.ledger import InvoiceDraft, Ledger, LedgerProvider, Party, Remote
from connectors.xero.client import XeroClient, from_refresher, parse_xero_date
from connectors.xero.settings import XeroSettings
from hub.jobs import GiveUp, JobContext
from oauth import OAuth
from oauth.models import Connection

__all__ = ["LEDGER", "XeroLedger", "idempotency_key"]

_STATUS = {"PAID": "paid", "VOIDED": "voided", "DELETED": "voided"}


def idempotency_key(key: str) -> str:
    """Xero's `Idempotency-Key` for a piece of work: stable across retries, within Xero's 128 characters."""
    return hashlib.sha256(key.encode()).hexdigest()


class XeroLedger:
    provider = "xero"

    def __init__(self, client: XeroClient, tenant: str, *, account_code: str = "200") -> None:
        self.client, self.tenant, self.account_code = client, tenant, account_code

    async def aclose(self) -> None:
        await self.client.aclose()

    async def upsert_party(self, party: Party, known: Remote | None, *, key: str) -> Remote:
        fields = _contact(party)
        if known is not None:
            contact = await self.client.update_contact(self.tenant, known.id, fields,
                                                       idempotency_key=idempotency_key(key))
        else:  # names are unique among active contacts: adopt the one that already carries it
            contact = (await self.client.find_contact(self.tenant, name=fields["Name"])
                       or await self.client.create_contact(self.tenant, fields, idempotency_key=idempotency_key(key)))
        return Remote(id=contact["ContactID"])

    async def create_invoice(self, draft: InvoiceDraft, customer: Remote, *, key: str) -> Remote:
        lines = [{"Description": line.description, "Quantity": float(line.quantity),
                  "UnitAmount": float(line.unit_price), "DiscountRate": float(line.discount_percent),
                  "AccountCode": self.account_code} for line in draft.lines]
        invoice = await self.client.create_invoice(
            self.tenant, contact_id=customer.id, line_items=lines, currency=draft.currency, due_date=draft.due,
            issued=draft.issued, reference=f"{draft.reference} (CRM deal {draft.deal_id})"[:255],
            idempotency_key=idempotency_key(key))
        return _invoice(invoice)

    async def changed_invoices(self, entity: str, external_id: str) -> list[Remote]:
        if entity != "INVOICE":
            return []
        return [_invoice(await self.client.get_invoice(self.tenant, external_id))]


def _contact(party: Party) -> dict[str, Any]:
    fields: dict[str, Any] = {"Name": party.name[:255]}
    if party.first_name:
        fields["FirstName"] = party.first_name[:255]
    if party.last_name:
        fields["LastName"] = party.last_name[:255]
    if party.email:
        fields["EmailAddress"] = party.email
    if party.phone:
        fields["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": party.phone}]
    if address := party.address:
        fields["Addresses"] = [{"AddressType": "POBOX", **{k: v for k, v in {
            "AddressLine1": address.get("line1"), "City": address.get("city"), "Region": address.get("region"),
            "PostalCode": address.get("postal_code"), "Country": address.get("country")}.items() if v}}]
    return fields


def _invoice(invoice: dict[str, Any]) -> Remote:
    paid_on = invoice.get("FullyPaidOnDate")
    return Remote(id=invoice["InvoiceID"], number=invoice.get("InvoiceNumber"),
                  status=_STATUS.get(invoice.get("Status", ""), "open"),  # type: ignore[arg-type]
                  paid_at=parse_xero_date(paid_on) if paid_on else None)


async def open_ledger(ctx: JobContext, connection: Connection, attempts: int) -> Ledger:
    """The ledger of the organisation a connection syncs with, with tokens from the hub's one refresher."""
    config = ctx.config(XeroSettings)
    client = XeroClient(from_refresher(ctx.service(OAuth).refresher, ctx.sessions, connection.id),
                        base_url=config.api_url, attempts=attempts)
    tenant = connection.external_account_id or await _only_tenant(ctx, client, connection.id)
    return XeroLedger(client, tenant, account_code=config.account_code)


async def _only_tenant(ctx: JobContext, client: XeroClient, connection_id: str) -> str:
    """Xero names no organisation on the callback: with exactly one behind the grant, that is the one."""
    tenants = [t for t in await client.connections() if t.get("tenantType", "ORGANISATION") == "ORGANISATION"]
    if len(tenants) != 1:
        await client.aclose()
        raise GiveUp(f"the Xero grant reaches {len(tenants)} organisations; choose one with "
                     f"PUT /v1/connections/{connection_id}/account")
    async with ctx.sessions.begin() as session:
        connection = await session.get(Connection, connection_id)
        if connection is not None and not connection.external_account_id:
            connection.external_account_id = tenants[0]["tenantId"]
    return tenants[0]["tenantId"]


LEDGER = LedgerProvider("xero", open_ledger)
