"""When to try again: a schedule of delays with jitter, shared by webhook deliveries and jobs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["DEFAULT_SCHEDULE", "RetryPolicy"]

# Standard Webhooks' schedule: the first try at once, then these delays, about three days in all.
DEFAULT_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


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
