"""The QuickBooks connector's settings: `HUB_QUICKBOOKS_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from connectors.quickbooks.manifest import PRODUCTION_URL
from hub.settings import HttpUrl, ModuleSettings, doc

__all__ = ["QuickBooksSettings"]


class QuickBooksSettings(ModuleSettings, kw_only=True, frozen=True):
    """Where the Accounting API is, the webhook verifier token, and the item invoice lines are booked to."""

    prefix: ClassVar[str] = "quickbooks"

    api_url: Annotated[HttpUrl, doc(
        "Base URL of the Accounting API (`https://sandbox-quickbooks.api.intuit.com` for a sandbox company)."
    )] = PRODUCTION_URL
    webhook_verifier: Annotated[str, doc(
        "The verifier token of the Intuit app's webhooks; empty refuses every notification.")] = ""
    item_ref: Annotated[str, doc("The item invoice lines are booked against.")] = "1"
