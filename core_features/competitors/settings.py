"""Competitor tracking's settings: `HUB_COMPETITORS_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["CompetitorSettings"]


class CompetitorSettings(ModuleSettings, kw_only=True, frozen=True):
    """The period win/loss analysis covers unless asked otherwise, and when a battle card needs a look."""

    prefix: ClassVar[str] = "competitors"

    analysis_days: Annotated[int, doc(
        "Days back from now that win/loss analysis covers when no period is given.", ge=1, le=3650)] = 365
    stale_card_days: Annotated[int, doc(
        "A battle card not updated for this many days is shown as due for a refresh.", ge=1, le=3650)] = 90
