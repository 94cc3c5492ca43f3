"""The accounting sync as a module: won deals become invoices in every connected accounting system, paid invoices
come back as `invoice.paid`. The systems themselves are contributed by their connectors (`LedgerProvider`)."""

from connectors.accounting import sync
from connectors.accounting.catalog import register
from connectors.accounting.endpoints import SyncLogController
from connectors.accounting.models import SyncEntry, SyncLink
from connectors.accounting.settings import AccountingSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="accounting",
    description="Invoice sync: a won deal becomes an invoice in QuickBooks or Xero, a payment there comes back.",
    settings=AccountingSettings,
    models=(SyncLink, SyncEntry),
    routes=(SyncLogController,),
    catalog=register,
    jobs={sync.INVOICE: sync.push_invoice, sync.PARTY: sync.push_party, sync.PULL: sync.pull_invoices},
    listeners=(sync.on_events,),
)
