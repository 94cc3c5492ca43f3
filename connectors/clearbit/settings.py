"""The Clearbit connector's settings: `HUB_CLEARBIT_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import HttpUrl, ModuleSettings, doc

__all__ = ["ClearbitSettings"]


class ClearbitSettings(ModuleSettings, kw_only=True, frozen=True):
    """Where the Company API is, and how patiently a lookup retries when Clearbit asks it to wait."""

    prefix: ClassVar[str] = "clearbit"

    api_url: Annotated[HttpUrl, doc("Base URL of Clearbit's Company API.")] = "https://company.clearbit.com"
    attempts: Annotated[int, doc(
        "Tries of one lookup, the first included, when Clearbit answers 429 or 5xx.", ge=1, le=10)] = 3
    max_wait: Annotated[float, doc(
        "Longest wait in seconds between tries; a longer Retry-After hands the lookup back to the job queue.",
        ge=0)] = 10.0
