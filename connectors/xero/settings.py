"""The Xero connector's settings: `HUB_XERO_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from connectors.xero.manifest import API_BASE
from hub.settings import HttpUrl, ModuleSettings, doc

__all__ = ["XeroSettings"]


class XeroSettings(ModuleSettings, kw_only=True, frozen=True):
    """Where the API is, the webhook signing key, and the revenue account invoice lines are booked to."""

    prefix: ClassVar[str] = "xero"

    api_url: Annotated[HttpUrl, doc("Base URL of Xero's API (`/connections` and `/api.xro/2.0`).")] = API_BASE
    webhook_key: Annotated[str, doc("The webhook key of the Xero app; empty refuses every delivery.")] = ""
    account_code: Annotated[str, doc("The account invoice lines are booked to.")] = "200"
