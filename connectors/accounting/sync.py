"""The accounting sync: won deals become invoices, paid invoices come back as `invoice.paid`.

Everything that talks to QuickBooks or Xero runs as a job (hub/jobs), queued in the relay's transaction
with the CRM change that caused it, so a failure or an outage never loses the change; each job is retried
until it succeeds or its schedule is spent, and every attempt leaves a line in the sync log.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any, AsyncIterator

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.accounting.catalog import INVOICE_PAID, InvoicePaid
from connectors.accounting.ledger import InvoiceDraft, Ledger, LedgerProvider, Line, Party, Remote
from connectors.accounting.models import SyncEntry, SyncLink
from connectors.accounting.settings import AccountingSettings
from hub import outside
from hub.db import new_id, utcnow
from hub.events.models import Event
from hub.events.service import emit
from hub.jobs import GiveUp, Job, JobContext, RetryLater, enqueue
from hub.records.models import Company, Contact, Deal, LineItem
from oauth.models import Connection

__all__ = ["ledgers", "on_events", "pull_invoices", "push_invoice", "push_party", "queue_pull"]

log = structlog.get_logger("connectors.accounting")
INVOICE, PARTY, PULL = "accounting.invoice", "accounting.party", "accounting.pull"
# A client retries a 429 or 5xx once, at once or after Retry-After; the job queue's schedule does the rest.
CLIENT_ATTEMPTS = 2
_PARTY_EVENTS = {"company.updated": "company", "contact.updated": "contact"}


# -- from CRM events to jobs, inside the relay's transaction ----------------------------------------

def ledgers(ctx: JobContext) -> dict[str, LedgerProvider]:
    """The accounting systems the connectors of this hub contribute, by the provider of their connections."""
    return {p.key: p for p in ctx.hub.contributions(LedgerProvider)}


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A won deal is invoiced by every connected accounting system of its organization; a company or
    contact that already is a customer there is updated when it changes in the CRM."""
    wanted = [e for e in events if e.type == "deal.won" or e.type in _PARTY_EVENTS]
    if not wanted:
        return
    connections: dict[str, list[Connection]] = defaultdict(list)
    for connection in await session.scalars(select(Connection).where(
            Connection.org_id.in_({e.org_id for e in wanted}), Connection.provider.in_(ledgers(ctx)),
            Connection.state == "connected")):
        connections[connection.org_id].append(connection)
    for event in wanted:
        for connection in connections.get(event.org_id, []):
            payload = {"provider": connection.provider, "connection_id": connection.id}
            if event.type == "deal.won":
                await enqueue(session, event.org_id, INVOICE, {**payload, "deal_id": event.subject_id},
                              key=f"{connection.id}:invoice:{event.subject_id}")
            elif await _link(session, event.org_id, connection.provider, _PARTY_EVENTS[event.type],
                             event.subject_id or ""):
                await enqueue(session, event.org_id, PARTY,
                              {**payload, "crm_type": _PARTY_EVENTS[event.type], "crm_id": event.subject_id},
                              key=f"{connection.id}:{event.id}")


async def queue_pull(session: AsyncSession, provider: str, account_id: str, entity: str, external_id: str,
                     version: str) -> int:
    """An accounting system said `entity` changed: queue a read of it for every organization connected to
    that company. `version` (its last-updated time) makes a resent notification queue nothing new."""
    queued = 0
    for connection in await session.scalars(select(Connection).where(
            Connection.provider == provider, Connection.external_account_id == account_id,
            Connection.state == "connected")):
        queued += await enqueue(session, connection.org_id, PULL,
                                {"provider": provider, "connection_id": connection.id, "entity": entity,
                                 "id": external_id},
                                key=f"{connection.id}:{entity}:{external_id}:{version}") is not None
    return queued


# -- the jobs ----------------------------------------------------------------------------------------

async def push_invoice(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Create the won deal's invoice, and its customer first where there is none yet. Done once: the deal's
    link answers a second run, and the provider's idempotency key answers a run cut off mid-way."""
    provider, deal_id = job.payload["provider"], job.payload["deal_id"]
    async with ctx.sessions() as session:
        if existing := await _link(session, job.org_id, provider, "deal", deal_id):
            return {"invoice_id": existing.external_id}
        deal = await session.scalar(select(Deal).where(Deal.org_id == job.org_id, Deal.id == deal_id))
        if deal is None:
            raise GiveUp(f"deal {deal_id} no longer exists")
        party = await _party(session, job.org_id, deal)
        party_link = await _link(session, job.org_id, provider, party.crm_type, party.crm_id)
        draft = await _draft(session, deal, ctx.config(AccountingSettings).invoice_due_days)
    async with _attempt(ctx, job, "invoice", "deal", deal_id) as note, _ledger(ctx, job) as ledger:
        customer = (Remote(id=party_link.external_id) if party_link else
                    await ledger.upsert_party(party, None, key=f"{job.payload['connection_id']}:party:{party.crm_id}"))
        invoice = await ledger.create_invoice(draft, customer, key=job.payload["connection_id"] + f":invoice:{deal_id}")
        async with ctx.sessions.begin() as session:
            # Another deal of the same customer may have linked it meanwhile (the provider found the same one).
            if party_link is None and not await _link(session, job.org_id, provider, party.crm_type, party.crm_id):
                session.add(_new_link(job.org_id, provider, party.crm_type, party.crm_id, customer))
                _log(session, job, "push", "customer", party.crm_type, party.crm_id, customer.id, "succeeded")
            session.add(_new_link(job.org_id, provider, "deal", deal_id, invoice, "invoice"))
            deal = await session.scalar(select(Deal).where(Deal.org_id == job.org_id, Deal.id == deal_id))
            if deal is not None:
                await _set_invoice(session, deal, invoice, provider)
            note.done(session, invoice.id)
        return {"invoice_id": invoice.id, "customer_id": customer.id}


async def push_party(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Bring an existing customer up to date with its CRM company or contact."""
    provider, crm_type, crm_id = job.payload["provider"], job.payload["crm_type"], job.payload["crm_id"]
    async with ctx.sessions() as session:
        link = await _link(session, job.org_id, provider, crm_type, crm_id)
        model = Company if crm_type == "company" else Contact
        record = await session.scalar(select(model).where(model.org_id == job.org_id, model.id == crm_id))
        if link is None or record is None:
            raise GiveUp(f"{crm_type} {crm_id} is not a customer in {provider} any more")
        party = _as_party(crm_type, record)
    async with _attempt(ctx, job, "customer", crm_type, crm_id) as note, _ledger(ctx, job) as ledger:
        remote = await ledger.upsert_party(party, Remote(id=link.external_id, version=link.external_version),
                                           key=f"{job.payload['connection_id']}:{job.id}")
        async with ctx.sessions.begin() as session:
            stored = await _link(session, job.org_id, provider, crm_type, crm_id)
            if stored is not None:
                stored.external_version, stored.updated_at = remote.version, utcnow()
            note.done(session, remote.id)
        return {"customer_id": remote.id}


async def pull_invoices(ctx: JobContext, job: Job) -> dict[str, Any]:
    """Read what changed and carry each linked invoice's state onto its deal; `invoice.paid` when paid."""
    provider, entity, external_id = job.payload["provider"], job.payload["entity"], job.payload["id"]
    async with _attempt(ctx, job, entity.lower(), None, None, direction="pull", external_id=external_id), \
            _ledger(ctx, job) as ledger:
        invoices = await ledger.changed_invoices(entity, external_id)
        paid: list[str] = []
        async with ctx.sessions.begin() as session:
            for invoice in invoices:
                link = await session.scalar(select(SyncLink).where(
                    SyncLink.org_id == job.org_id, SyncLink.provider == provider, SyncLink.crm_type == "deal",
                    SyncLink.external_type == "invoice", SyncLink.external_id == invoice.id))
                deal = link and await session.scalar(select(Deal).where(Deal.org_id == job.org_id,
                                                                        Deal.id == link.crm_id))
                if deal is None:
                    continue  # an invoice the CRM did not make
                if await _set_invoice(session, deal, invoice, provider):
                    paid.append(deal.id)
                _log(session, job, "pull", "invoice", "deal", deal.id, invoice.id, "succeeded",
                     f"invoice {invoice.status}")
        return {"invoices": [i.id for i in invoices], "paid_deals": paid}


# -- the pieces --------------------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def _ledger(ctx: JobContext, job: Job) -> AsyncIterator[Ledger]:
    """The ledger of the job's connection, from the connector that provides its accounting system."""
    async with ctx.sessions() as session:
        connection = await session.scalar(select(Connection).where(
            Connection.org_id == job.org_id, Connection.id == job.payload["connection_id"]))
    if connection is None or connection.state != "connected":
        raise GiveUp(f"the {job.payload['provider']} connection is no longer connected")
    provider = ctx.hub.port(LedgerProvider, connection.provider)
    if provider is None:
        raise GiveUp(f"no connector of this hub provides {connection.provider} any more")
    ledger = await provider.open(ctx, connection, CLIENT_ATTEMPTS)
    try:
        yield ledger
    finally:
        await ledger.aclose()


class _Note:
    def __init__(self, job: Job, entity: str, crm_type: str | None, crm_id: str | None, direction: str) -> None:
        self.job, self.entity, self.crm_type, self.crm_id, self.direction = job, entity, crm_type, crm_id, direction

    def done(self, session: AsyncSession, external_id: str | None) -> None:
        _log(session, self.job, self.direction, self.entity, self.crm_type, self.crm_id, external_id, "succeeded")


@contextlib.asynccontextmanager
async def _attempt(ctx: JobContext, job: Job, entity: str, crm_type: str | None, crm_id: str | None, *,
                   direction: str = "push", external_id: str | None = None) -> AsyncIterator[_Note]:
    """Run one attempt: a provider's failure is logged, then turned into what the job queue should do."""
    try:
        yield _Note(job, entity, crm_type, crm_id, direction)
    except GiveUp as exc:
        await _log_failure(ctx, job, direction, entity, crm_type, crm_id, external_id, "failed", str(exc))
        raise
    except outside.RateLimited as exc:
        await _log_failure(ctx, job, direction, entity, crm_type, crm_id, external_id, "retrying", _describe(exc))
        raise RetryLater(after=exc.retry_after or 60.0, reason=_describe(exc)) from None
    except (outside.Rejected, outside.AuthorizationRevoked) as exc:
        await _log_failure(ctx, job, direction, entity, crm_type, crm_id, external_id, "failed", _describe(exc))
        raise GiveUp(_describe(exc)) from None
    except Exception as exc:  # down, timed out, stale past its retries: the queue's schedule tries again
        await _log_failure(ctx, job, direction, entity, crm_type, crm_id, external_id, "retrying", _describe(exc))
        raise


def _describe(exc: BaseException) -> str:
    """A failure in words without tokens: the connectors' messages carry the provider's fault, never a header."""
    text = str(exc) if isinstance(exc, (outside.ServiceError, GiveUp)) else ""
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


async def _log_failure(ctx: JobContext, job: Job, *args: Any) -> None:
    try:
        async with ctx.sessions.begin() as session:
            _log(session, job, *args)
    except Exception as exc:  # the log is best effort; the job's own record still says what happened
        log.warning("accounting.log.failed", job_id=job.id, error_class=type(exc).__name__)


def _log(session: AsyncSession, job: Job, direction: str, entity: str, crm_type: str | None, crm_id: str | None,
         external_id: str | None, outcome: str, detail: str | None = None) -> None:
    session.add(SyncEntry(id=new_id("syn"), org_id=job.org_id, provider=job.payload["provider"],
                          direction=direction, entity=entity, crm_type=crm_type, crm_id=crm_id,
                          external_id=external_id, outcome=outcome, detail=detail, job_id=job.id, at=utcnow()))


async def _link(session: AsyncSession, org_id: str, provider: str, crm_type: str, crm_id: str) -> SyncLink | None:
    return await session.scalar(select(SyncLink).where(
        SyncLink.org_id == org_id, SyncLink.provider == provider, SyncLink.crm_type == crm_type,
        SyncLink.crm_id == crm_id))


def _new_link(org_id: str, provider: str, crm_type: str, crm_id: str, remote: Remote,
              external_type: str = "customer") -> SyncLink:
    return SyncLink(id=new_id("lnk"), org_id=org_id, provider=provider, crm_type=crm_type, crm_id=crm_id,
                    external_type=external_type, external_id=remote.id, external_version=remote.version,
                    external_number=remote.number)


async def _set_invoice(session: AsyncSession, deal: Deal, invoice: Remote, provider: str) -> bool:
    """Carry the invoice's state onto the deal; answers whether it has just become paid."""
    if invoice.status is None or deal.invoice_status == invoice.status:
        return False
    became_paid = invoice.status == "paid"
    now = utcnow()
    deal.invoice_status, deal.updated_at = invoice.status, now
    deal.invoice_paid_at = (invoice.paid_at or now) if became_paid else None
    await session.flush()
    if became_paid:
        paid = InvoicePaid(deal_id=deal.id, provider=provider, invoice_id=invoice.id, invoice_number=invoice.number,
                           paid_at=deal.invoice_paid_at, amount=_plain(deal.amount),
                           currency=deal.currency)
        emit(session, deal.org_id, INVOICE_PAID, paid, subject_id=deal.id, source=provider)
    return became_paid


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


async def _party(session: AsyncSession, org_id: str, deal: Deal) -> Party:
    """Whom to invoice: the deal's company, else its contact."""
    if deal.company_id:
        company = await session.scalar(select(Company).where(Company.org_id == org_id,
                                                             Company.id == deal.company_id))
        if company is not None:
            return _as_party("company", company)
    if deal.contact_id:
        contact = await session.scalar(select(Contact).where(Contact.org_id == org_id,
                                                             Contact.id == deal.contact_id))
        if contact is not None:
            return _as_party("contact", contact)
    raise GiveUp(f"deal {deal.id} has no company or contact to invoice")


def _as_party(crm_type: str, record: Any) -> Party:
    address = {k: v for k, v in {"line1": getattr(record, "street", None), "city": getattr(record, "city", None),
                                 "region": getattr(record, "region", None),
                                 "postal_code": getattr(record, "postal_code", None),
                                 "country": getattr(record, "country", None)}.items() if v}
    if crm_type == "company":
        return Party("company", record.id, record.name, phone=getattr(record, "phone", None), address=address)
    name = " ".join(p for p in (record.first_name, record.last_name) if p) or record.email or record.id
    return Party("contact", record.id, name, email=record.email, phone=record.phone, first_name=record.first_name,
                 last_name=record.last_name, address=address)


async def _draft(session: AsyncSession, deal: Deal, due_days: int) -> InvoiceDraft:
    """The invoice a won deal makes: one line per line item, or the deal's amount as one line."""
    items = list(await session.scalars(select(LineItem).where(LineItem.org_id == deal.org_id,
                                                              LineItem.deal_id == deal.id).order_by(LineItem.id)))
    lines = [Line(item.name, item.quantity, item.unit_price, item.discount_percent, item.amount) for item in items]
    if not lines:
        if not deal.amount:
            raise GiveUp(f"deal {deal.id} has neither line items nor an amount to invoice")
        lines = [Line(deal.name, Decimal(1), deal.amount, Decimal(0), deal.amount)]
    issued = (deal.closed_at or utcnow()).date()
    return InvoiceDraft(deal_id=deal.id, reference=deal.name, currency=deal.currency, issued=issued,
                        due=issued + timedelta(days=due_days), lines=lines)
