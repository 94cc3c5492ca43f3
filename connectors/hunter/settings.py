"""The Hunter connector's settings: `HUB_HUNTER_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import HttpUrl, ModuleSettings, doc

__all__ = ["HunterSettings"]


class HunterSettings(ModuleSettings, kw_only=True, frozen=True):
    """Where Hunter's API is, and how patiently a search retries when Hunter asks it to wait."""

    prefix: ClassVar[str] = "hunter"

    api_url: Annotated[HttpUrl, doc("Base URL of Hunter's API (its paths start with /v2).")] = "https://api.hunter.io"
    attempts: Annotated[int, doc(
        "Tries of one search, the first included, when Hunter answers 403/429 (rate) or 5xx.", ge=1, le=10)] = 3
    max_wait: Annotated[float, doc(
        "Longest wait in seconds between tries; a longer Retry-After hands the search back to the job queue.",
        ge=0)] = 10.0
    emails: Annotated[int, doc(
        "Email addresses asked for per search (Hunter's `limit`, at most 100); only the pattern and the company "
        "facts are suggested, so few are needed.", ge=1, le=100)] = 10
