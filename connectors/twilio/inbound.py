"""Twilio's requests to the hub, each checked against `X-Twilio-Signature` before anything is read or changed.

Twilio signs the full URL it requested plus the POST parameters sorted by name (HMAC-SHA1 with the
account's auth token, base64); the twilio package's `RequestValidator` checks it. The URL must be the one
Twilio called, so it is rebuilt from `HUB_PUBLIC_URL` (the address Twilio was given), the path and the
query string exactly as received, never from the Host header a proxy may have rewritten.

Routes (outside the API-key router; Twilio has no API key):
  POST /twilio/calls/{id}/connect     the rep answered a click-to-call: TwiML that dials the contact
  POST /twilio/calls/{id}/dial-ended  the `<Dial>` ended (either direction): outcome, talk time, recording
  POST /twilio/calls/{id}/status      status callbacks of a click-to-call
  POST /twilio/orgs/{org}/voice       a call to the organization's number: TwiML that rings the rep
  POST /twilio/orgs/{org}/status      the number's own status callbacks (optional)
"""

from __future__ import annotations

from typing import Any, Mapping

from litestar import Request, Response, Router, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.request_validator import RequestValidator

from connectors.twilio import twiml
from connectors.twilio.errors import BadSignature
from connectors.twilio.models import Call, Telephony
from connectors.twilio.service import apply_status, auth_token, dial_ended, hook_url, inbound, locked_call
from hub.apidocs import Form
from hub.db import utcnow
from hub.deps import provide_session
from hub.errors import BadRequest, NotFound
from hub.runtime import Hub

__all__ = ["SIGNATURE_HEADER", "requested_url", "twilio_router", "verify"]

SIGNATURE_HEADER = "X-Twilio-Signature"
Db = NamedDependency[AsyncSession]
TAGS = ["Twilio webhooks"]


def requested_url(public_url: str, request: Request[Any, Any, Any]) -> str:
    """The absolute URL Twilio requested: the hub's public address, this path, the query as sent."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


def verify(url: str, params: Mapping[str, Any], signature: str | None, token: str) -> None:
    """Raise BadSignature unless `signature` is Twilio's for this URL and these parameters."""
    if not signature or not RequestValidator(token).validate(url, params, signature):
        raise BadSignature("X-Twilio-Signature does not match this request; it was not sent by Twilio.")


async def _checked(request: Request[Any, Any, Any], settings: Telephony) -> Any:
    form = await request.form()
    hub = Hub.of(request)
    verify(requested_url(hub.settings.public_url, request), form, request.headers.get(SIGNATURE_HEADER),
           auth_token(hub.cipher, settings))
    if form.get("AccountSid") != settings.account_sid:
        raise BadSignature("The request names another Twilio account than this organization's.")
    return form


async def _call_request(request: Request[Any, Any, Any], db: AsyncSession, call_id: str) -> tuple[Call, Any]:
    call = await locked_call(db, call_id)
    settings = await db.get(Telephony, call.org_id) if call is not None else None
    if call is None or settings is None:
        raise NotFound(f"No call {call_id!r}.")
    form = await _checked(request, settings)
    if call.call_sid is not None and form.get("CallSid") != call.call_sid:
        raise BadRequest("The CallSid is not this call's.")
    return call, form


# https://www.twilio.com/docs/voice/twiml#request-parameters, #callstatus-values and the Dial verb's action
_CALL = {"CallSid": "Twilio's id of the call.", "AccountSid": "The Twilio account.",
         "From": "The caller's number (E.164).", "To": "The number called (E.164).",
         "CallStatus": "`queued`, `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer` or `canceled`.",
         "Direction": "`inbound`, `outbound-api` or `outbound-dial`.", "ApiVersion": "Twilio's API version."}
CALL_FORM = Form(_CALL, required=("CallSid", "AccountSid"))
STATUS_FORM = Form({**_CALL, "CallDuration": "Seconds the call lasted, once completed.",
                    "Timestamp": "When the status changed (RFC 2822).",
                    "SequenceNumber": "The callback's place in the call's sequence."},
                   required=("CallSid", "AccountSid", "CallStatus"))
DIAL_FORM = Form({**_CALL, "DialCallStatus": "How the dialled leg ended: `completed`, `busy`, `no-answer`, "
                                             "`failed` or `canceled`.",
                  "DialCallSid": "Twilio's id of the dialled leg.",
                  "DialCallDuration": "Talk time of the dialled leg, in seconds.",
                  "RecordingUrl": "The recording, when the call was recorded."},
                 required=("CallSid", "AccountSid"))


def _twiml(document: str) -> Response[str]:
    return Response(document, media_type=twiml.MEDIA_TYPE)


@post("/calls/{call_id:str}/connect", status_code=200, summary="TwiML when the rep answers a click-to-call",
      form=CALL_FORM)
async def connect(request: Request, db: Db, call_id: FromPath[str]) -> Response[str]:
    call, form = await _call_request(request, db, call_id)
    if call.direction != "outbound" or call.contact_number is None or call.ended_at is not None:
        return _twiml(twiml.hang_up())
    await apply_status(db, call, form, utcnow())
    action = hook_url(Hub.of(request).settings.public_url, "calls", call.id, "dial-ended")
    return _twiml(twiml.connect(call.contact_number, action=action, caller_id=call.caller_id,
                                record=call.record))


@post("/calls/{call_id:str}/dial-ended", status_code=200, summary="The dial's outcome, talk time, recording",
      form=DIAL_FORM)
async def dial_action(request: Request, db: Db, call_id: FromPath[str]) -> Response[str]:
    call, form = await _call_request(request, db, call_id)
    await dial_ended(db, call, form, utcnow())
    return _twiml(twiml.hang_up())


@post("/calls/{call_id:str}/status", status_code=204, summary="Status callbacks of a click-to-call",
      form=STATUS_FORM)
async def call_status(request: Request, db: Db, call_id: FromPath[str]) -> None:
    call, form = await _call_request(request, db, call_id)
    await apply_status(db, call, form, utcnow())


async def _org(db: AsyncSession, org_id: str) -> Telephony:
    settings = await db.get(Telephony, org_id)
    if settings is None:
        raise NotFound(f"No telephony set up for {org_id!r}.")
    return settings


@post("/orgs/{org_id:str}/voice", status_code=200, summary="A call to the organization's Twilio number",
      form=CALL_FORM)
async def voice(request: Request, db: Db, org_id: FromPath[str]) -> Response[str]:
    settings = await _org(db, org_id)
    form = await _checked(request, settings)
    return _twiml(await inbound(db, settings, form, Hub.of(request).settings.public_url, utcnow()))


@post("/orgs/{org_id:str}/status", status_code=204, summary="Status callbacks of the organization's number",
      form=STATUS_FORM)
async def number_status(request: Request, db: Db, org_id: FromPath[str]) -> None:
    settings = await _org(db, org_id)
    form = await _checked(request, settings)
    call = await db.scalar(select(Call).where(Call.org_id == org_id, Call.call_sid == form.get("CallSid"))
                           .with_for_update())
    if call is None:
        raise NotFound("No call with that CallSid in this organization.")
    await apply_status(db, call, form, utcnow())


def twilio_router() -> Router:
    """Twilio's webhooks: verified by signature instead of an API key."""
    return Router(path="/twilio", route_handlers=[connect, dial_action, call_status, voice, number_status],
                  dependencies={"db": Provide(provide_session)}, tags=TAGS, security=[])
