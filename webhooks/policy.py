"""When to try again: the outcome of an attempt, and the delay before the next one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

__all__ = ["DEFAULT_SCHEDULE", "Outcome", "RetryPolicy", "classify", "retry_after_seconds"]

# Standard Webhooks' schedule: the first try at once, then these delays, about three days in all.
DEFAULT_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)

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


@dataclass(frozen=True)
class RetryPolicy:
    """`schedule[n]` is the delay before attempt n+1; past its end the message has failed."""

    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.2
    max_retry_after: float = 86400.0

    @property
    def max_attempts(self) -> int:
        return len(self.schedule)

    def next_attempt(self, attempts_made: int, now: datetime, retry_after: float | None = None,
                     rng: random.Random | None = None) -> datetime | None:
        """When to try again after `attempts_made` attempts, or None when the schedule is spent."""
        if attempts_made >= self.max_attempts:
            return None
        delay = self.schedule[attempts_made]
        delay *= 1 + (rng or random).uniform(-self.jitter, self.jitter)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after))
        return now + timedelta(seconds=delay)

    @classmethod
    def parse(cls, text: str) -> RetryPolicy:
        """From a setting such as "0,5,300,1800"."""
        schedule = tuple(float(part) for part in text.split(",") if part.strip())
        if not schedule or any(d < 0 for d in schedule):
            raise ValueError("a retry schedule is a comma-separated list of non-negative seconds")
        return cls(schedule=schedule)
