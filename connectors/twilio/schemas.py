"""What the telephony API takes and answers; the auth token is accepted and never answered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from hub.catalog import EventType

__all__ = ["CALL_COMPLETED", "CallCompleted", "CallIn", "CallOut", "CallPage", "EmbedCallIn", "EmbedCallOut", "EmbedTokenIn",
           "EmbedTokenOut", "TelephonyIn", "TelephonyOut"]

Id = Annotated[str, Meta(min_length=1, max_length=40)]
Outcome = Literal["connected", "busy", "no_answer", "failed", "canceled"]


class TelephonyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The organization's Twilio account. Leave `auth_token` out to keep the one already stored."""

    account_sid: Annotated[str, Meta(pattern=r"^AC[0-9a-fA-F]{32}$",
                                     description="AC followed by 32 hex digits")]
    caller_id: Annotated[str, Meta(min_length=3, max_length=40,
                                   description="A Twilio number of the account, shown to the people called")]
    auth_token: Annotated[str, Meta(min_length=16, max_length=128)] | None = None
    record_calls: bool = False
    fallback_user_id: Id | None = None


class TelephonyOut(msgspec.Struct, kw_only=True):
    """The telephony settings and the addresses to give Twilio; the token only says whether it is set."""

    account_sid: str
    caller_id: str
    record_calls: bool
    fallback_user_id: str | None
    auth_token_set: bool
    voice_url: str
    status_callback_url: str
    created_at: datetime
    updated_at: datetime


class CallIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Ring the rep's phone and, once they answer, connect them to the contact."""

    user_id: Id
    contact_id: Id


class CallOut(msgspec.Struct, kw_only=True):
    id: str
    direction: Literal["outbound", "inbound"]
    status: str
    outcome: Outcome | None
    user_id: str | None
    contact_id: str | None
    call_sid: str | None
    contact_number: str | None
    rep_number: str | None
    caller_id: str
    record: bool
    dial_status: str | None
    duration_seconds: int | None
    recording_url: str | None
    error: str | None
    activity_id: str | None
    answered_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CallPage(msgspec.Struct, kw_only=True):
    data: list[CallOut]
    next_cursor: str | None


class CallCompleted(msgspec.Struct, kw_only=True):
    """A call between a rep and a contact ended; its activity is logged on the contact."""

    call_id: str
    direction: Literal["outbound", "inbound"]
    outcome: Outcome
    status: str
    user_id: str | None
    contact_id: str | None
    contact_number: str | None
    duration_seconds: int | None
    recording_url: str | None
    activity_id: str | None
    call_sid: str | None
    started_at: datetime
    ended_at: datetime


CALL_COMPLETED = EventType(
    key="call.completed", payload=CallCompleted, subject="call",
    description="A phone call between a rep and a contact ended (connected, busy, no answer, failed or canceled) "
                "and was logged as an activity on the contact.",
    sample={"call_id": "cal_06bqv0e7c1k2m3n4p5q6r7s8t9", "direction": "outbound", "outcome": "connected",
            "status": "completed", "user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9",
            "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9", "contact_number": "+14155550199",
            "duration_seconds": 312, "recording_url": None, "activity_id": "act_06bqv0e7c1k2m3n4p5q6r7s8t9",
            "call_sid": "CA5ef8732a3c49700934481addd5ce1659", "started_at": "2026-01-15T10:30:00Z",
            "ended_at": "2026-01-15T10:35:40Z"})


class EmbedTokenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A token for the click-to-call button of one signed-in rep."""

    user_id: Id
    expires_in: Annotated[int, Meta(ge=60, le=43_200, description="Seconds the token stays valid")] = 3600


class EmbedTokenOut(msgspec.Struct, kw_only=True):
    token: str
    expires_at: datetime
    script_url: str
    snippet: str


class EmbedCallIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    contact_id: Id


class EmbedCallOut(msgspec.Struct, kw_only=True):
    """What the button shows: no numbers, only how the call is going."""

    id: str
    status: str
    outcome: Outcome | None
    duration_seconds: int | None
    ended: bool
