"""Writing a batch of attempt results: attempt rows, message state, and endpoint health, in one transaction."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import new_id
from hub.retry import RetryPolicy
from webhooks.health import EndpointHealth
from webhooks.metrics import ATTEMPT_SECONDS, ATTEMPTS
from webhooks.models import Attempt, Message
from webhooks.policy import classify

if TYPE_CHECKING:
    from webhooks.worker import Job

__all__ = ["Result", "record"]

_MESSAGES = Message.__table__
# Only the holder of the message's current lease moves it: a late result from a worker whose lease lapsed (another
# worker took the message since, and may have sent it already) is kept in the log but changes nothing.
_UPDATE_MESSAGE = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("_id"), _MESSAGES.c.status == "pending",
                                          _MESSAGES.c.leased_until == bindparam("_lease"))


@dataclass
class Result:
    job: Job
    started_at: datetime
    duration_ms: int
    status_code: int | None
    response_headers: dict[str, str] | None
    response_body: str | None
    error_class: str | None
    retry_after: float | None


async def record(session: AsyncSession, results: list[Result], policy: RetryPolicy, health: EndpointHealth,
                 now: datetime, rng: random.Random) -> dict[str, datetime]:
    """Answers the messages that will be tried again, with when."""
    attempts, messages, outcomes = [], [], {}
    for result in results:
        outcome = classify(result.status_code)
        number = result.job.attempt_count + 1
        next_at = policy.next_attempt(number, now, result.retry_after, rng) if outcome == "retry" else None
        status = "succeeded" if outcome == "succeeded" else "pending" if next_at else "failed"
        attempts.append(_attempt(result, number, "retry" if status == "pending" else status))
        ATTEMPTS.labels(attempts[-1]["outcome"]).inc()
        ATTEMPT_SECONDS.observe(result.duration_ms / 1000)
        messages.append({"_id": result.job.message_id, "_lease": result.job.lease, "status": status, "attempt_count": number,
                         "next_attempt_at": next_at, "leased_until": None, "last_status_code": result.status_code,
                         "last_error": _error(result), "finished_at": None if status == "pending" else now})
        outcomes.setdefault(result.job.endpoint_id, (result.job.org_id, set()))[1].add(outcome)
    # Core statements, run as executemany: the ORM's bulk paths cost more per row than the database does.
    await session.execute(insert(Attempt.__table__), attempts)
    await session.execute(_UPDATE_MESSAGE, messages)
    await health.apply(session, outcomes, now)
    return {m["_id"]: m["next_attempt_at"] for m in messages if m["status"] == "pending"}


def _attempt(result: Result, number: int, outcome: str) -> dict[str, Any]:
    job = result.job
    return {"id": new_id("att"), "org_id": job.org_id, "message_id": job.message_id, "endpoint_id": job.endpoint_id,
            "number": number, "started_at": result.started_at, "duration_ms": result.duration_ms,
            "status_code": result.status_code, "response_headers": result.response_headers,
            "response_body": result.response_body, "error_class": result.error_class, "outcome": outcome}


def _error(result: Result) -> str | None:
    if result.error_class:
        return result.error_class
    if result.status_code is not None and not 200 <= result.status_code < 300:
        return f"HTTP {result.status_code}"
    return None
