"""A deal's sentiment over its activities: the average of its latest ones, and when it has dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Point", "current", "drop", "rolling"]


@dataclass(frozen=True)
class Point:
    """One scored activity of a deal."""

    activity_id: str
    occurred_at: datetime
    score: float


def _ordered(points: Sequence[Point]) -> list[Point]:
    # Ties on the time are broken by id, so the same activities always give the same trend.
    return sorted(points, key=lambda p: (p.occurred_at, p.activity_id))


def current(points: Sequence[Point], window: int) -> float | None:
    """The mean of the latest `window` scores; None without any."""
    latest = _ordered(points)[-window:]
    return round(sum(p.score for p in latest) / len(latest), 4) if latest else None


def rolling(points: Sequence[Point], window: int) -> list[tuple[Point, float]]:
    """Each point in time order, with the mean of it and the `window - 1` before it."""
    ordered = _ordered(points)
    return [(p, current(ordered[:i + 1], window) or 0.0) for i, p in enumerate(ordered)]


def drop(before: Sequence[Point], after: Sequence[Point], window: int, threshold: float
         ) -> tuple[float, float] | None:
    """(previous, now) when the latest average fell by `threshold` or more; a deal with no earlier score has
    nothing to fall from."""
    previous, now = current(before, window), current(after, window)
    if previous is None or now is None or previous - now < threshold - 1e-9:
        return None
    return previous, now
