"""Commission tracking's settings: `HUB_COMMISSIONS_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["CommissionSettings"]


class CommissionSettings(ModuleSettings, kw_only=True, frozen=True):
    """The currency commissions are counted in where an organization names none, and how big a run's steps are."""

    prefix: ClassVar[str] = "commissions"

    currency: Annotated[str, doc(
        "ISO 4217 code commissions are counted in when the organization's settings carry no `currency`; "
        "deals in another currency earn no credit (logged).", min_length=3, max_length=3)] = "USD"
    run_batch: Annotated[int, doc(
        "Payouts a calculation run commits at a time; a run that stops resumes after the last batch.",
        ge=1, le=1000)] = 20
