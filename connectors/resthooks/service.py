"""Subscribing and unsubscribing REST hooks, retiring them after a 410, and the trigger lists (samples, poll).

A hook owns a webhook endpoint of the delivery engine, filtered to its one event type, so deliveries are
signed, durable, retried, rate limited, SSRF-checked and logged like any other. Retiring a hook deletes
it at once and disables its endpoint in the same transaction; the endpoint itself is deleted by the
`resthook.retire` job as soon as no delivery to it is under way, so no worker records an attempt for a
message that is gone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import structlog
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.resthooks.models import Hook
from connectors.resthooks.schemas import HookIn
from hub.catalog import ActionContext, Catalog, Trigger
from hub.conditions import accepts
from hub.db import new_id, utcnow
from hub.errors import NotFound, ValidationFailed
from hub.events.models import Event
from hub.jobs import Job, JobContext, RetryLater, enqueue
from webhooks.fanout import envelope
from webhooks.health import GONE
from webhooks.models import Endpoint, Message
from webhooks.schemas import EndpointIn
from webhooks.service import Webhooks

__all__ = ["HOOK_RATE_LIMIT", "RESPONSE_BUDGET", "RETIRE_JOB", "sample_body", "on_events", "poll", "poll_id", "retire",
           "retire_endpoint", "samples", "subscribe", "trigger", "unsubscribe"]

log = structlog.get_logger("connectors.resthooks")

HOOK_RATE_LIMIT = 30  # deliveries per second to one hook: Zapier takes at most 30 webhooks a second
RESPONSE_BUDGET = 5_000_000  # bytes of a samples or poll answer; Zapier reads at most 6 MB of a response
RETIRE_JOB = "resthook.retire"
SAMPLE_ID = "evt_sample"
NARROW_READ = 20  # how many events of the type a narrower trigger reads per item it answers
SAMPLE_TIME = datetime(2026, 1, 15, 10, 30, tzinfo=timezone.utc)


def trigger(catalog: Catalog, key: str) -> Trigger:
    found = catalog.triggers.get(key)
    if found is None:
        raise NotFound(f"No trigger {key!r}; see GET /v1/catalog.")
    return found


async def subscribe(ctx: ActionContext, webhooks: Webhooks, catalog: Catalog,
                    data: HookIn) -> tuple[Hook, str]:
    """A hook and its endpoint; answers the hook and the endpoint's signing secret."""
    found = catalog.triggers.get(data.event)
    if found is None:
        raise ValidationFailed(f"Unknown trigger {data.event!r}; see GET /v1/catalog.",
                               errors=[{"field": "event", "message": "not a trigger of the catalog"}])
    conditions = _conditions(found, data.filters)
    endpoint, secret = await webhooks.create(ctx, EndpointIn(
        url=data.target_url, event_types=[found.event_type], rate_limit=HOOK_RATE_LIMIT,
        description=f"{data.platform.capitalize()} REST hook for {data.event}"))
    given = {k: v for k, v in data.filters.items() if v not in (None, "")}
    hook = Hook(id=new_id("hook"), org_id=ctx.org_id, endpoint_id=endpoint.id, event=data.event,
                platform=data.platform, target_url=data.target_url, created_at=utcnow(), filters=given or None)
    endpoint.managed_by = f"hook:{hook.id}"
    endpoint.filters = conditions or None
    ctx.session.add(hook)
    await ctx.session.flush()
    return hook, secret


def _conditions(found: Trigger, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The trigger's fixed conditions and those of the filter values; 422 naming a filter it lacks."""
    try:
        return found.conditions(values)
    except KeyError as exc:
        names = ", ".join(f.key for f in found.filters) or "none"
        raise ValidationFailed(f"Trigger {found.key!r} has no filter {exc.args[0]!r}; its filters: {names}.",
                               errors=[{"field": f"filters.{exc.args[0]}", "message": "unknown filter"}]) from None
    except ValueError as exc:
        choices = next(f.choices for f in found.filters if f.key == exc.args[0])
        raise ValidationFailed(f"Filter {exc.args[0]!r} takes one of: {', '.join(choices)}.",
                               errors=[{"field": f"filters.{exc.args[0]}", "message": "not a choice"}]) from None


async def unsubscribe(ctx: ActionContext, hook_id: str) -> None:
    hook = None if "\x00" in hook_id else await ctx.session.scalar(  # no text column holds NUL
        select(Hook).where(Hook.id == hook_id, Hook.org_id == ctx.org_id))
    if hook is None or not await retire(ctx.session, hook, "unsubscribed"):
        raise NotFound(f"No hook {hook_id!r} in this organization.")


async def retire(session: AsyncSession, hook: Hook, reason: str | None) -> bool:
    """Delete the hook, disable its endpoint (unless it already is) and queue the endpoint's removal;
    False when the hook was gone already (a 410 and an unsubscribe at the same moment)."""
    if not (await session.execute(delete(Hook).where(Hook.id == hook.id))).rowcount:
        return False
    if reason is not None:
        live = update(Endpoint).where(Endpoint.id == hook.endpoint_id, Endpoint.state != "disabled")
        # A new version, so workers read the endpoint again.
        await session.execute(live.values(state="disabled", disabled_reason=reason, updated_at=utcnow(),
                                          version=Endpoint.version + 1))
    await enqueue(session, hook.org_id, RETIRE_JOB, {"endpoint_id": hook.endpoint_id}, key=hook.endpoint_id)
    return True


async def on_events(ctx: JobContext, session: AsyncSession, events: list[Event]) -> None:
    """A relay listener: an endpoint disabled because its target answered 410 Gone ends the hook owning it."""
    gone = {(e.org_id, e.data.get("endpoint_id")) for e in events
            if e.type == "endpoint.disabled" and e.data.get("reason") == GONE}
    if not gone:
        return
    query = select(Hook).where(Hook.endpoint_id.in_([endpoint for _, endpoint in gone]))
    hooks = (await session.execute(query)).scalars()
    for hook in list(hooks):
        if (hook.org_id, hook.endpoint_id) in gone:
            log.info("resthooks.hook.gone", hook_id=hook.id, org_id=hook.org_id, platform=hook.platform)
            await retire(session, hook, None)


async def retire_endpoint(ctx: JobContext, job: Job) -> dict[str, Any]:
    """The `resthook.retire` job: delete a retired hook's endpoint once nothing is being delivered to it."""
    endpoint_id = job.payload["endpoint_id"]
    async with ctx.sessions.begin() as session:
        now = utcnow()
        leased = await session.scalar(select(func.max(Message.leased_until)).where(
            Message.endpoint_id == endpoint_id, Message.status == "pending", Message.leased_until > now))
        if leased is not None:
            raise RetryLater((leased - now).total_seconds() + 1, "a delivery to the endpoint is under way")
        # Only while still disabled: an endpoint someone resumed since is theirs to keep.
        deleted = await session.execute(delete(Endpoint).where(
            Endpoint.id == endpoint_id, Endpoint.org_id == job.org_id, Endpoint.state == "disabled"))
    return {"endpoint_id": endpoint_id, "deleted": bool(deleted.rowcount)}


async def _recent(session: AsyncSession, org_id: str, found: Trigger, limit: int) -> list[Event]:
    """The newest events of the trigger; a narrower trigger (`note.created`) reads further back to fill `limit`."""
    reach = limit * NARROW_READ if found.fixed else limit
    query = (select(Event).where(Event.org_id == org_id, Event.type == found.event_type)
             .order_by(Event.id.desc()).limit(reach))
    events = (await session.execute(query)).scalars()
    return [e for e in events if accepts(list(found.fixed), e.data)][:limit]


def _array(bodies: Iterable[bytes], budget: int) -> bytes:
    """A JSON array of the bodies, in order, stopping before it would pass `budget` bytes."""
    kept, size = [], 2
    for body in bodies:
        size += len(body) + (1 if kept else 0)
        if size > budget:
            break
        kept.append(body)
    return b"[" + b",".join(kept) + b"]"


def sample_body(found: Trigger) -> bytes:
    """The catalog's sample of a trigger, in the delivery envelope."""
    return envelope(found.event_type, SAMPLE_TIME, found.sample or {}, id=SAMPLE_ID)


async def samples(session: AsyncSession, org_id: str, found: Trigger, limit: int,
                  budget: int = RESPONSE_BUDGET) -> bytes:
    """The newest bodies of the trigger exactly as they were delivered; the catalog's sample when none."""
    events = await _recent(session, org_id, found, limit)
    if not events:
        return _array([sample_body(found)], budget)
    return _array((envelope(e.type, e.occurred_at, e.data, id=e.id) for e in events), budget)


def poll_id(event: Event) -> str:
    """The event id; for `*.updated` the record id and its update time, so each new state is a new item."""
    data = event.data
    if event.type.endswith(".updated") and data.get("id") and data.get("updated_at"):
        return f"{data['id']}-{data['updated_at']}"
    return event.id


async def poll(session: AsyncSession, org_id: str, found: Trigger, limit: int,
               budget: int = RESPONSE_BUDGET) -> bytes:
    """The polling fallback: delivery bodies newest first, one per `id`; empty when nothing happened."""
    seen: set[str] = set()
    bodies = []
    for event in await _recent(session, org_id, found, limit):
        if (ident := poll_id(event)) not in seen:
            seen.add(ident)
            bodies.append(envelope(event.type, event.occurred_at, event.data, id=ident))
    return _array(bodies, budget)
