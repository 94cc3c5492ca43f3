"""What the Twilio connector declares: the `call.completed` event, the `call.start` action and its jobs."""

from __future__ import annotations

from hub.catalog import Action, ActionContext, Catalog, EventType
from hub.jobs import JobRegistry
from connectors.twilio.jobs import place, reconcile
from connectors.twilio.schemas import CallCompleted, CallIn, CallOut
from connectors.twilio.service import PLACE, RECONCILE, call_out, start

__all__ = ["register", "register_jobs"]

_SAMPLE = {"call_id": "cal_06bqv0e7c1k2m3n4p5q6r7s8t9", "direction": "outbound", "outcome": "connected",
           "status": "completed", "user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9",
           "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9", "contact_number": "+14155550199",
           "duration_seconds": 312, "recording_url": None, "activity_id": "act_06bqv0e7c1k2m3n4p5q6r7s8t9",
           "call_sid": "CA5ef8732a3c49700934481addd5ce1659", "started_at": "2026-01-15T10:30:00Z",
           "ended_at": "2026-01-15T10:35:40Z"}


async def _start(ctx: ActionContext, data: CallIn) -> CallOut:
    return call_out(await start(ctx, data))


def register(catalog: Catalog) -> None:
    catalog.add_event(EventType(
        key="call.completed", payload=CallCompleted, sample=_SAMPLE, subject="call",
        description="A phone call between a rep and a contact ended (connected, busy, no answer, failed or "
                    "canceled) and was logged as an activity on the contact."))
    catalog.add_action(Action(
        key="call.start", label="Start a call", kind="run", input=CallIn, output=CallOut, handler=_start,
        description="Ring the rep's phone through Twilio and connect them to the contact when they answer.",
        sample={"user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9", "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9"}))


def register_jobs(jobs: JobRegistry) -> None:
    jobs.kind(PLACE, place)
    jobs.kind(RECONCILE, reconcile)
