"""The call jobs: ask Twilio to ring the rep, and later ask about a call whose callbacks never ended it.

Placing a call is done at most once. Twilio's Calls API takes no idempotency key, so a retry after a
request that may have reached Twilio could ring the rep twice. The job therefore stamps `attempted_at`
(committed) before it calls Twilio, and retries only when Twilio answered that nothing was created (429,
503) or the connection never opened; after any other failure, or a run that died halfway, the call ends as
failed with the reason, and the rep can click again. Nor is a call placed more than two minutes after the
click: a phone that rings long after would surprise the rep.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog

from connectors.twilio.client import NotSent, TwilioCalls
from connectors.twilio.errors import TwilioApiError
from connectors.twilio.models import FINAL_STATUSES, Call, Telephony
from connectors.twilio.service import RECONCILE, apply_status, auth_token, fail, hook_url, locked_call
from connectors.twilio.settings import TwilioSettings
from hub.db import utcnow
from hub.jobs import GiveUp, Job, JobContext, RetryLater, enqueue

__all__ = ["place", "reconcile"]

log = structlog.get_logger("connectors.twilio")
NOTHING_CREATED = (429, 503)
PLACE_WITHIN = timedelta(minutes=2)


def _calls(ctx: JobContext, credentials: tuple[str, str]) -> TwilioCalls:
    config = ctx.config(TwilioSettings)
    return TwilioCalls(*credentials, base_url=config.api_url, timeout=config.timeout)


async def place(ctx: JobContext, job: Job) -> dict[str, Any] | None:
    """`twilio.call.place`: create the call at Twilio, to the rep, with TwiML and status callbacks here."""
    call_id = job.payload["call_id"]
    async with ctx.sessions.begin() as session:
        call = await locked_call(session, call_id, job.org_id)
        if call is None:
            raise GiveUp("the call no longer exists")
        if call.call_sid is not None or call.status != "pending":
            return {"call_sid": call.call_sid, "status": call.status}
        settings = await session.get(Telephony, job.org_id)
        reason = _not_now(call, settings)
        if reason is not None:
            await fail(session, call, reason)
            return {"status": "failed", "reason": reason}
        call.attempted_at = utcnow()
        credentials = (settings.account_sid, auth_token(ctx.cipher, settings))
        to, from_ = call.rep_number, call.caller_id
    base = ctx.settings.public_url
    try:
        async with _calls(ctx, credentials) as calls:
            answer = await calls.create_call(to=to or "", from_=from_,
                                             url=hook_url(base, "calls", call_id, "connect"),
                                             status_callback=hook_url(base, "calls", call_id, "status"))
    except (NotSent, TwilioApiError) as exc:
        status = getattr(exc, "status", None)
        if isinstance(exc, NotSent) or status in NOTHING_CREATED:
            await _not_attempted(ctx, job, call_id)
            if status == 429:
                wait = getattr(exc, "retry_after", None)
                raise RetryLater(after=30.0 if wait is None else wait, reason=str(exc)) from None
            raise
        await _failed(ctx, job, call_id, str(exc))
        raise GiveUp(str(exc)) from None
    except Exception as exc:  # timed out or cut off: Twilio may have created the call
        await _failed(ctx, job, call_id, f"Twilio's answer was lost ({type(exc).__name__}); the call may not "
                                         "have been placed.")
        raise GiveUp(type(exc).__name__) from None
    return await _placed(ctx, job, call_id, answer)


def _not_now(call: Call, settings: Telephony | None) -> str | None:
    """Why the call must not be placed now, if it must not."""
    if settings is None:
        return "Telephony was removed."
    if call.attempted_at is not None:
        return ("An earlier attempt to reach Twilio ended without an answer; the call was not placed again, "
                "so the rep is not rung twice.")
    if utcnow() - call.created_at > PLACE_WITHIN:
        return "Twilio could not be reached in time; the call was not placed."
    return None


async def _placed(ctx: JobContext, job: Job, call_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    async with ctx.sessions.begin() as session:
        call = await locked_call(session, call_id, job.org_id)
        assert call is not None
        if call.call_sid is None:
            call.call_sid = answer["sid"]
        if call.status == "pending":
            call.status, call.updated_at = str(answer["status"] or "queued"), utcnow()
        await enqueue(session, job.org_id, RECONCILE, {"call_id": call_id}, key=call_id,
                      delay=ctx.config(TwilioSettings).reconcile_seconds)
    log.info("twilio.call.placed", call_id=call_id)
    return {"call_sid": answer["sid"], "status": answer["status"]}


async def _not_attempted(ctx: JobContext, job: Job, call_id: str) -> None:
    async with ctx.sessions.begin() as session:
        if (call := await locked_call(session, call_id, job.org_id)) is not None:
            call.attempted_at = None


async def _failed(ctx: JobContext, job: Job, call_id: str, reason: str) -> None:
    async with ctx.sessions.begin() as session:
        if (call := await locked_call(session, call_id, job.org_id)) is not None and call.ended_at is None:
            await fail(session, call, reason)
    log.warning("twilio.call.failed", call_id=call_id, reason=reason)


async def reconcile(ctx: JobContext, job: Job) -> dict[str, Any] | None:
    """`twilio.call.reconcile`: a call still open this long after it started is read back from Twilio."""
    call_id = job.payload["call_id"]
    async with ctx.sessions() as session:
        call: Call | None = await session.get(Call, call_id)
        settings = await session.get(Telephony, job.org_id)
    if call is None or call.org_id != job.org_id or call.ended_at is not None or call.call_sid is None:
        return {"status": getattr(call, "status", None)}
    if settings is None:
        raise GiveUp("Telephony was removed.")
    try:
        async with _calls(ctx, (settings.account_sid, auth_token(ctx.cipher, settings))) as calls:
            answer = await calls.fetch_call(call.call_sid)
    except TwilioApiError as exc:
        if exc.status == 429:
            wait = 30.0 if exc.retry_after is None else exc.retry_after
            raise RetryLater(after=wait, reason=str(exc)) from None
        raise
    if answer["status"] not in FINAL_STATUSES:
        raise RetryLater(after=ctx.config(TwilioSettings).reconcile_seconds, reason="the call is still under way")
    async with ctx.sessions.begin() as session:
        locked = await locked_call(session, call_id, job.org_id)
        assert locked is not None
        await apply_status(session, locked, {"CallSid": answer["sid"], "CallStatus": answer["status"],
                                             "CallDuration": answer["duration"]}, utcnow())
    log.info("twilio.call.reconciled", call_id=call_id, status=answer["status"])
    return {"status": answer["status"]}
