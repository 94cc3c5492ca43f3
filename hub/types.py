"""Input types shared by every schema: one definition of an email, a time, a bounded integer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta

from hub.errors import BadRequest

__all__ = ["AwareDatetime", "Email", "Int32", "Url", "with_offset"]

Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Url = Annotated[str, Meta(pattern=r"^https?://\S+$", max_length=2000)]
# A time without an offset is ambiguous, so it is refused rather than guessed.
AwareDatetime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with an offset, e.g. 2026-01-15T10:30:00Z")]
Int32 = Annotated[int, Meta(ge=0, le=2**31 - 1)]


def with_offset(**times: datetime | None) -> None:
    """Query parameters are parsed without the body's `tz=True` check, so it is repeated here."""
    if naive := [name for name, value in times.items() if value is not None and value.tzinfo is None]:
        raise BadRequest(f"{', '.join(naive)} needs a UTC offset, e.g. 2026-01-15T10:30:00Z.")
