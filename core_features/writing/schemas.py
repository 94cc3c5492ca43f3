"""What the writing assistant's API takes and answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

__all__ = ["ComposeIn", "DraftOut", "FactOut", "FindingOut", "ProfileIn", "ProfileOut", "SaveIn", "UsageOut"]

Goal = Literal["introduce", "follow_up", "book_meeting", "send_proposal", "check_in", "thank_you", "re_engage"]
Provider = Literal["template", "openai", "anthropic"]
Id = Annotated[str, Meta(min_length=3, max_length=40)]


class ComposeIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """Ask for a draft to a record's person: what for, in which tone and length, and anything else to say."""

    record_type: Literal["contact", "lead", "deal"]
    record_id: Id
    goal: Goal = "follow_up"
    tone: Literal["formal", "friendly", "concise"] = "friendly"
    length: Literal["short", "medium", "long"] = "medium"
    instructions: Annotated[str, Meta(max_length=2000, description=(
        "What else the email should say; its facts count as supported (a price you give may appear)."))] | None = None
    provider: Annotated[Provider, Meta(description=(
        "Who writes it; by default the organization's setting (`template` until one is made)."))] | None = None


class FactOut(Struct, kw_only=True):
    """A CRM value the draft uses, and the record it came from."""

    name: str
    value: str
    source: str


class FindingOut(Struct, kw_only=True):
    """What the guard changed: `kind` is what was found (`amount`, `date`, `name`…, `dropped`, `withheld`)."""

    kind: str
    text: str
    replacement: str | None = None
    source: str | None = None


class DraftOut(Struct, kw_only=True):
    """A checked draft; never sent: save it as an email activity with `POST /v1/writing/drafts/{id}/save`."""

    id: str
    record_type: str
    record_id: str
    subject: str
    body: str
    provider: str
    model: str | None
    facts: list[FactOut]
    placeholders: list[FindingOut]
    withheld: list[FindingOut]
    notes: list[str]
    input_tokens: int
    output_tokens: int
    activity_id: str | None
    created_at: datetime


class SaveIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """The draft as the person sends it, edited; what is left out stays as drafted."""

    subject: Annotated[str, Meta(min_length=1, max_length=300)] | None = None
    body: Annotated[str, Meta(min_length=1, max_length=100_000)] | None = None


class ProfileIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """The organization's writing settings; only the fields sent change, `null` clears one."""

    provider: Provider | UnsetType = UNSET
    model: Annotated[str, Meta(min_length=1, max_length=100)] | None | UnsetType = UNSET
    api_key: Annotated[str, Meta(min_length=8, max_length=500, description=(
        "The provider's API key; stored sealed, never answered back."))] | None | UnsetType = UNSET
    base_url: Annotated[str, Meta(max_length=500, pattern=r"^https?://[^\s]+$", description=(
        "Where the provider's API is when not at the vendor's own address; reached through the SSRF guard."))
    ] | None | UnsetType = UNSET
    sender_name: Annotated[str, Meta(max_length=200)] | None | UnsetType = UNSET
    signature: Annotated[str, Meta(max_length=2000)] | None | UnsetType = UNSET
    monthly_cap_usd: Annotated[Decimal, Meta(description=(
        "US dollars a month; above the hub's cap (`HUB_WRITING_MONTHLY_CAP_USD`) the hub's applies."))
    ] | None | UnsetType = UNSET


class ProfileOut(Struct, kw_only=True):
    """The organization's writing settings, with whether a key is stored (never the key)."""

    provider: str
    model: str | None
    has_api_key: bool
    base_url: str | None
    sender_name: str | None
    signature: str | None
    monthly_cap_usd: Decimal
    providers: list[str]


class UsageOut(Struct, kw_only=True):
    """What one month's drafts cost the organization, per model, against its cap."""

    month: str
    cap_usd: Decimal
    spent_usd: Decimal
    models: list[dict[str, object]]
