"""Xero as a module: its OAuth provider, its ledger for the accounting sync, its webhook route."""

from connectors.xero.endpoints import choose_account, xero_webhook
from connectors.xero.ledger import LEDGER
from connectors.xero.manifest import OAUTH
from connectors.xero.settings import XeroSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="xero",
    description="Xero: contacts and sales invoices for the accounting sync, the organisation choice, and "
                "Xero's signed webhooks.",
    settings=XeroSettings,
    routes=(choose_account, xero_webhook),
    provides=(OAUTH, LEDGER),
)
