"""Calls through Twilio: settings, starting a call, following Twilio's callbacks, and logging the end once.

A call ends (is *finalized*) exactly once, whichever report comes first: the `<Dial>` action (the bridged
leg ended) or a final status of the call itself (the rep, or the caller, never got through). Finalizing
logs the activity on the contact and emits `call.completed` in the same transaction; reports that come
after it (Twilio resends, or the other report) only fill in what was still missing on the call row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import msgspec
import phonenumbers
import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.twilio import twiml
from connectors.twilio.errors import NoPhoneNumber, NotConfigured
from connectors.twilio.models import FINAL_STATUSES, STATUS_ORDER, Call, Telephony
from connectors.twilio.schemas import (CALL_COMPLETED, CallCompleted, CallIn, CallOut, TelephonyIn,
                                       TelephonyOut)
from hub.catalog import ActionContext
from hub.crypto import Cipher
from hub.db import new_id, utcnow
from hub.errors import NotFound, ValidationFailed
from hub.events.service import emit
from hub.jobs import enqueue
from hub.records import service as records
from hub.records.definitions import ACTIVITIES
from hub.records.models import Contact
from hub.tenancy.auth import Principal
from hub.tenancy.models import User

__all__ = ["OUTCOMES", "PLACE", "RECONCILE", "apply_status", "auth_token", "call_out", "configure",
           "dial_ended", "e164", "fail", "finalize", "hook_url", "inbound", "locked_call", "start",
           "telephony", "telephony_out"]

log = structlog.get_logger("connectors.twilio")

PLACE, RECONCILE = "twilio.call.place", "twilio.call.reconcile"
# Twilio's final statuses (and DialCallStatus values) as the outcome logged on the contact.
OUTCOMES = {"completed": "connected", "answered": "connected", "busy": "busy", "no-answer": "no_answer",
            "failed": "failed", "canceled": "canceled"}


def e164(value: str | None, region: str | None = None) -> str | None:
    """The E.164 form of a phone number, or None when there is none or it is not a real number."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, (region or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def hook_url(public_url: str, *parts: str) -> str:
    """The absolute address Twilio is told to call, under `/twilio/`."""
    return "/".join([public_url.rstrip("/"), "twilio", *parts])


def _token_context(org_id: str) -> str:
    return f"twilio-token:{org_id}"


# -- settings -------------------------------------------------------------------------------------------

async def telephony(session: AsyncSession, org_id: str) -> Telephony:
    found = await session.get(Telephony, org_id)
    if found is None:
        raise NotConfigured("Set up the organization's Twilio account first: PUT /v1/telephony.")
    return found


def auth_token(cipher: Cipher, settings: Telephony) -> str:
    return cipher.decrypt(settings.auth_token_enc, context=_token_context(settings.org_id)).decode()


async def configure(ctx: ActionContext, cipher: Cipher, data: TelephonyIn) -> Telephony:
    """Create or replace the settings; a token left out keeps the stored one."""
    caller_id = e164(data.caller_id)
    if caller_id is None:
        raise ValidationFailed(f"{data.caller_id!r} is not a valid phone number",
                               errors=[{"field": "caller_id", "message": "not a valid phone number"}])
    if data.fallback_user_id is not None:
        await _user(ctx, data.fallback_user_id)
    current, now = await ctx.session.get(Telephony, ctx.org_id), utcnow()
    if current is None and data.auth_token is None:
        raise ValidationFailed("auth_token is required the first time.",
                               errors=[{"field": "auth_token", "message": "required"}])
    if current is None:
        current = Telephony(org_id=ctx.org_id, created_at=now)
        ctx.session.add(current)
    if data.auth_token is not None:
        current.auth_token_enc = cipher.encrypt(data.auth_token, context=_token_context(ctx.org_id))
    current.account_sid, current.caller_id = data.account_sid, caller_id
    current.record_calls, current.fallback_user_id = data.record_calls, data.fallback_user_id
    current.updated_at = now
    await ctx.session.flush()
    log.info("twilio.telephony.configured", record_calls=data.record_calls)
    return current


def telephony_out(settings: Telephony, public_url: str) -> TelephonyOut:
    return TelephonyOut(account_sid=settings.account_sid, caller_id=settings.caller_id,
                        record_calls=settings.record_calls, fallback_user_id=settings.fallback_user_id,
                        auth_token_set=bool(settings.auth_token_enc),
                        voice_url=hook_url(public_url, "orgs", settings.org_id, "voice"),
                        status_callback_url=hook_url(public_url, "orgs", settings.org_id, "status"),
                        created_at=settings.created_at, updated_at=settings.updated_at)


def call_out(call: Call) -> CallOut:
    return msgspec.convert(call, CallOut, from_attributes=True)


# -- click-to-call ----------------------------------------------------------------------------------------

async def _user(ctx: ActionContext, user_id: str) -> User:
    user = await ctx.session.scalar(select(User).where(User.id == user_id, User.org_id == ctx.org_id))
    if user is None:
        raise NotFound(f"No user {user_id!r} in this organization.")
    return user


async def start(ctx: ActionContext, data: CallIn) -> Call:
    """Check both numbers, write the call and queue the job that asks Twilio to ring the rep."""
    settings = await telephony(ctx.session, ctx.org_id)
    user = await _user(ctx, data.user_id)
    contact = await ctx.session.scalar(select(Contact).where(Contact.id == data.contact_id,
                                                             Contact.org_id == ctx.org_id))
    if contact is None:
        raise NotFound(f"No contact {data.contact_id!r} in this organization.")
    if not user.active:
        raise ValidationFailed(f"User {user.id} is not active.",
                               errors=[{"field": "user_id", "message": "inactive"}])
    if (rep_number := e164(user.phone)) is None:
        raise NoPhoneNumber(f"User {user.id} has no valid phone number to ring; set `phone` on the user.",
                            errors=[{"field": "user_id", "message": "no valid phone number"}])
    if (contact_number := e164(contact.phone, contact.country)) is None:
        raise NoPhoneNumber(f"Contact {contact.id} has no valid phone number to call; set `phone` on it.",
                            errors=[{"field": "contact_id", "message": "no valid phone number"}])
    call = Call(id=new_id("cal"), org_id=ctx.org_id, direction="outbound", user_id=user.id,
                contact_id=contact.id, status="pending", contact_number=contact_number, rep_number=rep_number,
                caller_id=settings.caller_id, record=settings.record_calls)
    ctx.session.add(call)
    await ctx.session.flush()
    await enqueue(ctx.session, ctx.org_id, PLACE, {"call_id": call.id}, key=call.id)
    log.info("twilio.call.requested", call_id=call.id)
    return call


async def locked_call(session: AsyncSession, call_id: str, org_id: str | None = None) -> Call | None:
    """The call, locked for this transaction (callbacks for one call may arrive at once)."""
    query = select(Call).where(Call.id == call_id)
    if org_id is not None:
        query = query.where(Call.org_id == org_id)
    return await session.scalar(query.with_for_update())


# -- what Twilio reports --------------------------------------------------------------------------------

def _rank(status: str | None) -> int:
    if status in FINAL_STATUSES:
        return len(STATUS_ORDER)
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else -1


def _seconds(value: Any) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


async def apply_status(session: AsyncSession, call: Call, form: Mapping[str, Any], now: datetime) -> None:
    """A status callback (or a fetched call): move the status forward only; a final status ends the call."""
    status = str(form.get("CallStatus") or "")
    if call.call_sid is None and form.get("CallSid"):
        call.call_sid = str(form["CallSid"])[:34]  # the callback can beat the job's own write of the sid
    if _rank(status) > _rank(call.status):
        call.status, call.updated_at = status, now
    if status == "in-progress" and call.answered_at is None:
        call.answered_at = now
    if form.get("RecordingUrl") and call.recording_url is None:
        call.recording_url, call.updated_at = str(form["RecordingUrl"])[:500], now
    if status in FINAL_STATUSES and call.ended_at is None:
        # Completed without a dial result: the person on the line hung up before the other side answered.
        outcome = "canceled" if status == "completed" else OUTCOMES[status]
        if call.duration_seconds is None:
            # CallDuration counts the caller's own leg, ringing included: talk time only when someone answered.
            call.duration_seconds = _seconds(form.get("CallDuration")) if outcome == "connected" else 0
        await finalize(session, call, outcome, now)
    await session.flush()


async def dial_ended(session: AsyncSession, call: Call, form: Mapping[str, Any], now: datetime) -> None:
    """The `<Dial>` action: the bridged leg's outcome, talk time and recording end the call."""
    dial_status = str(form.get("DialCallStatus") or "failed")
    if call.dial_status is None:
        call.dial_status, call.updated_at = dial_status[:20], now
        call.duration_seconds = _seconds(form.get("DialCallDuration"))
    if form.get("RecordingUrl") and call.recording_url is None:
        call.recording_url, call.updated_at = str(form["RecordingUrl"])[:500], now
    await finalize(session, call, OUTCOMES.get(dial_status, "failed"), now)
    await session.flush()


async def finalize(session: AsyncSession, call: Call, outcome: str, now: datetime) -> None:
    """Log the activity on the contact and emit `call.completed`, once per call."""
    if call.ended_at is not None:
        return
    call.ended_at, call.outcome, call.updated_at = now, outcome, now
    if call.contact_id is not None:
        try:
            call.activity_id = (await _log_activity(session, call)).id
        except ValidationFailed as exc:  # e.g. the organization made an activity field required
            log.warning("twilio.call.activity_refused", call_id=call.id, reason=exc.detail)
    await session.flush()
    payload = CallCompleted(call_id=call.id, direction=call.direction, outcome=outcome, status=call.status,
                            user_id=call.user_id, contact_id=call.contact_id,
                            contact_number=call.contact_number,
                            duration_seconds=call.duration_seconds, recording_url=call.recording_url,
                            activity_id=call.activity_id, call_sid=call.call_sid, started_at=call.created_at,
                            ended_at=now)
    emit(session, call.org_id, CALL_COMPLETED, payload, subject_id=call.id, occurred_at=now)
    log.info("twilio.call.completed", call_id=call.id, outcome=outcome, direction=call.direction)


async def _log_activity(session: AsyncSession, call: Call) -> Any:
    contact = await session.get(Contact, call.contact_id)
    owner = call.user_id if call.user_id and await session.get(User, call.user_id) else None
    lines = [f"Recording: {call.recording_url}"] if call.recording_url else []
    if call.error:
        lines.append(call.error)
    fields = {"type": "call", "subject": f"{call.direction.capitalize()} call",
              "body": "\n".join(lines) or None,
              "occurred_at": call.created_at, "duration_seconds": call.duration_seconds,
              "direction": call.direction, "outcome": call.outcome, "owner_id": owner,
              "contact_id": call.contact_id, "company_id": contact.company_id if contact else None}
    system = Principal(key_id="twilio", org_id=call.org_id, prefix="twilio", scopes=frozenset({"write"}))
    return await records.create(ActionContext(session=session, principal=system), ACTIVITIES,
                                msgspec.convert(fields, ACTIVITIES.create))


async def fail(session: AsyncSession, call: Call, reason: str, now: datetime | None = None) -> None:
    """The call could not be placed: it ends as failed, with the reason kept (and logged on the contact)."""
    now = now or utcnow()
    call.status, call.error = "failed", reason[:300]
    await finalize(session, call, "failed", now)


# -- inbound ------------------------------------------------------------------------------------------------

async def inbound(session: AsyncSession, settings: Telephony, form: Mapping[str, Any], public_url: str,
                  now: datetime) -> str:
    """Twilio's voice webhook for the organization's number: the call row (once), and the TwiML that rings
    the contact's owner, or the fallback rep, or tells the caller nobody is available."""
    sid = str(form.get("CallSid") or "")[:34]
    call = await session.scalar(select(Call).where(Call.org_id == settings.org_id, Call.call_sid == sid))
    if call is None:
        call = await _new_inbound(session, settings, sid, form, now)
    if call.rep_number is None:
        await finalize(session, call, "no_answer", now)
        return twiml.unavailable("Sorry, nobody can take your call right now. Please try again later.")
    return twiml.connect(call.rep_number, action=hook_url(public_url, "calls", call.id, "dial-ended"),
                         caller_id=None, record=call.record)


async def _new_inbound(session: AsyncSession, settings: Telephony, sid: str, form: Mapping[str, Any],
                       now: datetime) -> Call:
    caller = e164(str(form.get("From") or ""))
    contact = None if caller is None else await session.scalar(
        select(Contact).where(Contact.org_id == settings.org_id, Contact.phone == caller)
        .order_by(Contact.id.desc()).limit(1))
    rep = await _rep_for(session, settings, contact)
    call = Call(id=new_id("cal"), org_id=settings.org_id, direction="inbound", call_sid=sid,
                contact_id=contact.id if contact else None, user_id=rep.id if rep else None,
                status=str(form.get("CallStatus") or "ringing")[:20], contact_number=caller,
                rep_number=e164(rep.phone) if rep else None, caller_id=settings.caller_id,
                record=settings.record_calls, created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(call)
    except IntegrityError:  # the same webhook, sent again at the same moment: use the row it made
        call = await session.scalar(select(Call).where(Call.org_id == settings.org_id, Call.call_sid == sid))
    log.info("twilio.call.inbound", call_id=call.id, known_caller=contact is not None)
    return call


async def _rep_for(session: AsyncSession, settings: Telephony, contact: Contact | None) -> User | None:
    """The contact's owner when they can take calls, else the organization's fallback rep."""
    for user_id in (contact.owner_id if contact else None, settings.fallback_user_id):
        user = await session.get(User, user_id) if user_id else None
        if user is not None and user.org_id == settings.org_id and user.active and e164(user.phone):
            return user
    return None
