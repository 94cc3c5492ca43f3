"""The writing assistant's settings: `HUB_WRITING_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import ModuleSettings, doc

__all__ = ["WritingSettings"]


class WritingSettings(ModuleSettings, kw_only=True, frozen=True):
    """How much context a draft is grounded in, how long models may take, and what an organization may spend."""

    prefix: ClassVar[str] = "writing"

    activities: Annotated[int, doc(
        "The most recent activities of the record put in a draft's context.", ge=0, le=50)] = 5
    monthly_cap_usd: Annotated[float, doc(
        "Most an organization's drafts may cost a calendar month (UTC) at a model provider, in US dollars, unless "
        "its own settings name a lower cap; the offline template composer costs nothing.", ge=0)] = 50.0
    timeout_seconds: Annotated[float, doc(
        "Seconds a model provider may take to answer one request.", gt=0, le=600)] = 60.0
    max_retries: Annotated[int, doc(
        "Times the provider's SDK retries a 429, 529, other 5xx or timeout (waiting `retry-after` when sent).",
        ge=0, le=10)] = 2
    max_tokens: Annotated[int, doc("Most tokens a model may write for one draft.", ge=50, le=8000)] = 800
