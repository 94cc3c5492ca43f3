"""Event types the wider CRM may post to `POST /v1/events` (email tracking, meetings)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from hub.catalog import Catalog, EventType
from hub.types import AwareDatetime, Email

__all__ = ["EMAIL_EVENTS", "MEETING_BOOKED", "register"]



class EmailEngagement(msgspec.Struct, kw_only=True):
    """An email the team sent, as seen by the mail system."""

    message_id: Annotated[str, Meta(min_length=1, max_length=300)]
    email: Email
    contact_id: str | None = None
    subject: str | None = None
    url: str | None = None
    reason: str | None = None


class MeetingBooked(msgspec.Struct, kw_only=True):
    """A meeting booked through a scheduling link."""

    email: Email
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    title: str
    contact_id: str | None = None
    organizer_email: Email | None = None


_EMAIL = {"message_id": "<c1f3@mail.example>", "email": "ada@acme.example",
          "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9", "subject": "Your proposal"}


EMAIL_EVENTS = tuple(
    EventType(key=f"email.{verb}", description=description, payload=EmailEngagement, sample={**_EMAIL, **extra},
              postable=True, subject="contact")
    for verb, description, extra in (
        ("opened", "A recipient opened an email the team sent.", {}),
        ("clicked", "A recipient clicked a link in an email the team sent.", {"url": "https://acme.example/pricing"}),
        ("replied", "A recipient replied to an email the team sent.", {}),
        ("bounced", "An email the team sent bounced.", {"reason": "mailbox full"}),
    ))
MEETING_BOOKED = EventType(
    key="meeting.booked", description="A contact booked a meeting through a scheduling link.",
    payload=MeetingBooked, postable=True, subject="contact",
    sample={"email": "ada@acme.example", "starts_at": "2026-02-01T15:00:00Z", "ends_at": "2026-02-01T15:30:00Z",
            "title": "Demo", "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9", "organizer_email": "dana@example.com"})


def register(catalog: Catalog) -> None:
    for event in (*EMAIL_EVENTS, MEETING_BOOKED):
        catalog.add_event(event)
