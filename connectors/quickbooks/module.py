"""QuickBooks Online as a module: its OAuth provider, its ledger for the accounting sync, its webhook route."""

from connectors.quickbooks.endpoints import quickbooks_webhook
from connectors.quickbooks.ledger import LEDGER
from connectors.quickbooks.manifest import OAUTH
from connectors.quickbooks.settings import QuickBooksSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="quickbooks",
    description="QuickBooks Online: customers and invoices for the accounting sync, and Intuit's signed webhooks.",
    settings=QuickBooksSettings,
    routes=(quickbooks_webhook,),
    provides=(OAUTH, LEDGER),
)
