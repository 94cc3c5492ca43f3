"""Delivery figures from `webhook_attempts`: endpoint health and the series the charts draw.

Every query reads attempts by `(endpoint_id, started_at)`, the table's index, over a bounded window, in one
pass: the database counts attempts per time bucket, outcome and latency (to three significant digits), and
the percentiles are read off that histogram by nearest rank, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, extract, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from webhooks.models import Attempt, Endpoint

__all__ = ["HEALTH_WINDOW", "OUTCOMES", "PERCENTILES", "WINDOWS", "Health", "Series", "health", "nearest_ranks",
           "series"]

HEALTH_WINDOW = timedelta(hours=24)
OUTCOMES = ("succeeded", "retry", "failed")
PERCENTILES = (50, 95, 99)
# window name: (span, bucket width)
WINDOWS = {"1h": (timedelta(hours=1), timedelta(minutes=5)), "24h": (timedelta(hours=24), timedelta(hours=1)),
           "7d": (timedelta(days=7), timedelta(hours=6))}


@dataclass
class Health:
    """An endpoint's last 24 hours: attempts, successes and the latest failure."""

    attempts: int = 0
    succeeded: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.attempts if self.attempts else None


@dataclass
class Series:
    """Attempts per time bucket by outcome, and latency percentiles (ms) per bucket, None where empty."""

    start: datetime
    step: timedelta
    counts: list[dict[str, int]]
    latency: dict[int, list[int | None]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts)

    def bucket_start(self, index: int) -> datetime:
        return self.start + self.step * index


async def health(session: AsyncSession, org_id: str, endpoint_ids: list[str], now: datetime) -> dict[str, Health]:
    """Each endpoint's health over the last 24 hours: one scan of the window, then one lookup per failing endpoint."""
    found = {ep: Health() for ep in endpoint_ids}
    if not endpoint_ids:
        return found
    scope = (Attempt.org_id == org_id, Attempt.endpoint_id.in_(endpoint_ids), Attempt.started_at >= now - HEALTH_WINDOW)
    failed = Attempt.outcome != "succeeded"
    totals = await session.execute(select(
        Attempt.endpoint_id, func.count(), func.sum(case((failed, 0), else_=1)),
        func.max(case((failed, Attempt.started_at), else_=None)).label("failed_at"),
    ).where(*scope).group_by(Attempt.endpoint_id))
    last_failures = []
    for endpoint_id, attempts, succeeded, failed_at in totals:
        found[endpoint_id].attempts, found[endpoint_id].succeeded = attempts, int(succeeded or 0)
        if failed_at is not None:
            last_failures.append((Attempt.endpoint_id == endpoint_id) & (Attempt.started_at == failed_at))
    if last_failures:
        rows = await session.execute(select(Attempt.endpoint_id, Attempt.started_at, Attempt.status_code,
                                            Attempt.error_class).where(*scope, failed, or_(*last_failures)))
        for row in rows:
            found[row.endpoint_id].last_error = row.error_class or f"HTTP {row.status_code}"
            found[row.endpoint_id].last_error_at = _aware(row.started_at)
    return found


async def series(session: AsyncSession, org_id: str, now: datetime, window: str,
                 endpoint_id: str | None = None) -> Series:
    """The window's buckets, the last one holding `now`, for one endpoint or all of the organization's."""
    span, step = WINDOWS[window]
    width = int(step.total_seconds())
    start_epoch = (int(now.timestamp()) // width + 1) * width - int(span.total_seconds())
    count = int(span / step)
    # Constants are inlined, not bound: PostgreSQL must see the same expression in SELECT and GROUP BY.
    bucket = ((_epoch(session, Attempt.started_at) - literal_column(str(start_epoch), BigInteger))
              // literal_column(str(width), Integer)).label("bucket")
    latency = _latency_bin(Attempt.duration_ms).label("latency")
    endpoints = ([endpoint_id] if endpoint_id
                 else select(Endpoint.id).where(Endpoint.org_id == org_id).scalar_subquery())
    start = datetime.fromtimestamp(start_epoch, timezone.utc)
    rows = await session.execute(
        select(bucket, Attempt.outcome, latency, func.count())
        .where(Attempt.org_id == org_id, Attempt.endpoint_id.in_(endpoints), Attempt.started_at >= start)
        .group_by(bucket, Attempt.outcome, latency))
    out = Series(start, step, [dict.fromkeys(OUTCOMES, 0) for _ in range(count)],
                 {p: [None] * count for p in PERCENTILES})
    histograms: list[dict[int, int]] = [{} for _ in range(count)]
    for index, outcome, value, n in rows:
        if 0 <= index < count and outcome in OUTCOMES:
            out.counts[index][outcome] += n
            histograms[index][value] = histograms[index].get(value, 0) + n
    for index, histogram in enumerate(histograms):
        for p, value in zip(PERCENTILES, nearest_ranks(histogram)):
            out.latency[p][index] = value
    return out


def _latency_bin(ms: Any) -> Any:
    """Durations kept to three significant digits: exact below a second, within 1 % above."""
    return case((ms < 1000, ms), (ms < 10_000, ms // 10 * 10), (ms < 100_000, ms // 100 * 100),
                else_=ms // 1000 * 1000)


def nearest_ranks(histogram: dict[int, int]) -> list[int | None]:
    """The percentiles of a {value: count} histogram; the p-th of n values is the ceil(p * n / 100)-th smallest."""
    total = sum(histogram.values())
    if not total:
        return [None] * len(PERCENTILES)
    wanted, found, seen = [-(-p * total // 100) for p in PERCENTILES], [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < len(wanted) and seen >= wanted[len(found)]:
            found.append(value)
    return found


def _epoch(session: AsyncSession, column: Any) -> Any:
    """Whole Unix seconds of a timestamp column, as an integer, on either database."""
    if session.bind.dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
