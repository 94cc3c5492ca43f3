"""Endpoint health: failing since when, a warning halfway, disabled when dead or gone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import EventType
from hub.events.service import emit
from webhooks.catalog import ENDPOINT_DISABLED, ENDPOINT_FAILING
from webhooks.catalog import EndpointHealth as Trouble
from webhooks.models import Endpoint

__all__ = ["GONE", "LAST_SUCCESS_EVERY", "EndpointHealth"]

LAST_SUCCESS_EVERY = timedelta(seconds=10)  # how stale an endpoint's `last_success_at` may be
# The reason of an endpoint disabled by a 410 Gone, as `endpoint.disabled` carries it: REST hooks end on it.
GONE = "the endpoint answered 410 Gone"


class EndpointHealth:
    def __init__(self, disable_after: timedelta) -> None:
        self.disable_after = disable_after

    async def apply(self, session: AsyncSession, outcomes: dict[str, tuple[str, set[str]]], now: datetime) -> None:
        """`outcomes` maps an endpoint to (its org, the outcomes of this batch's attempts to it)."""
        healthy = [ep for ep, (_, seen) in outcomes.items() if "succeeded" in seen]
        failing = [ep for ep, (_, seen) in outcomes.items() if "succeeded" not in seen]
        if healthy:  # written when it heals, and otherwise at most every LAST_SUCCESS_EVERY: a hot row stays cool
            await session.execute(update(Endpoint).where(Endpoint.id.in_(healthy)).where(
                Endpoint.failing_since.is_not(None) | Endpoint.last_success_at.is_(None)
                | (Endpoint.last_success_at < now - LAST_SUCCESS_EVERY)).values(
                failing_since=None, warned_at=None, last_success_at=now))
        if not failing:
            return
        await session.execute(update(Endpoint).where(Endpoint.id.in_(failing), Endpoint.failing_since.is_(None))
                              .values(failing_since=now))
        rows = (await session.execute(select(Endpoint).where(Endpoint.id.in_(failing),
                                                              Endpoint.state == "enabled"))).scalars()
        for endpoint in rows:
            if "gone" in outcomes[endpoint.id][1]:
                self._disable(session, endpoint, GONE, now)
            elif endpoint.failing_since is None:  # another worker's success healed it since our UPDATE
                continue
            elif now - endpoint.failing_since >= self.disable_after:
                self._disable(session, endpoint, f"failing for {_hours(now - endpoint.failing_since)} hours", now)
            elif now - endpoint.failing_since >= self.disable_after / 2 and endpoint.warned_at is None:
                endpoint.warned_at = now
                self._emit(session, endpoint, ENDPOINT_FAILING,
                           f"failing for {_hours(now - endpoint.failing_since)} hours")
        await session.flush()

    def _disable(self, session: AsyncSession, endpoint: Endpoint, reason: str, now: datetime) -> None:
        endpoint.state, endpoint.disabled_reason, endpoint.updated_at = "disabled", reason, now
        self._emit(session, endpoint, ENDPOINT_DISABLED, reason)

    def _emit(self, session: AsyncSession, endpoint: Endpoint, event: EventType[Trouble], reason: str) -> None:
        trouble = Trouble(endpoint_id=endpoint.id, url=endpoint.url, reason=reason, failing_since=endpoint.failing_since)
        emit(session, endpoint.org_id, event, trouble, subject_id=endpoint.id)


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
