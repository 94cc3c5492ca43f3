"""How a webhook attempt ended, and what a `Retry-After` asks for; the schedule itself is `hub.retry`."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal

__all__ = ["Outcome", "classify", "retry_after_seconds"]

Outcome = Literal["succeeded", "retry", "failed", "gone"]
_RETRYABLE = {408, 425, 429}


def classify(status: int | None) -> Outcome:
    """2xx succeeds; no answer, 408, 425, 429, 3xx and 5xx are retried; 410 disables; other 4xx fail for good."""
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "succeeded"
    if status == 410:
        return "gone"
    if status in _RETRYABLE or status >= 500 or 300 <= status < 400:
        return "retry"
    return "failed"


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None
