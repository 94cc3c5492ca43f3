"""The accounting sync's settings: `HUB_ACCOUNTING_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["AccountingSettings"]


class AccountingSettings(ModuleSettings, kw_only=True, frozen=True):
    """How invoices are made from won deals."""

    prefix: ClassVar[str] = "accounting"

    invoice_due_days: Annotated[int, doc("Days from a deal's close to its invoice's due date.", ge=0, le=3650)] = 30
