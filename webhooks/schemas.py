from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from hub.types import AwareDatetime

__all__ = ["AttemptOut", "AttemptPage", "EndpointCreated", "EndpointIn", "EndpointOut", "EndpointPage",
           "EndpointPatch", "MessageOut", "MessagePage", "Recover", "Recovered", "SecretOut"]

Pattern = Annotated[str, Meta(pattern=r"^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$", max_length=100)]
HeaderName = Annotated[str, Meta(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]
HeaderValue = Annotated[str, Meta(pattern=r"^[^\r\n]*$", max_length=2000)]
Url = Annotated[str, Meta(min_length=1, max_length=2048)]
Headers = Annotated[dict[HeaderName, HeaderValue], Meta(max_length=20)]
RateLimit = Annotated[int, Meta(ge=1, le=10_000, description="Deliveries per second at most")]
Concurrency = Annotated[int, Meta(ge=1, le=100, description="Deliveries in flight at most")]


class EndpointIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A receiver of events. `event_types` takes exact types, `noun.*` or `*`; empty means all."""

    url: Url
    description: Annotated[str, Meta(max_length=500)] | None = None
    event_types: Annotated[list[Pattern], Meta(max_length=200)] = msgspec.field(default_factory=list)
    headers: Headers = msgspec.field(default_factory=dict)
    rate_limit: RateLimit | None = None
    max_concurrency: Concurrency = 10
    ordered: bool = False
    state: Literal["enabled", "paused"] = "enabled"


class EndpointPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=500)] | None | UnsetType = UNSET
    event_types: Annotated[list[Pattern], Meta(max_length=200)] | UnsetType = UNSET
    headers: Headers | UnsetType = UNSET
    rate_limit: RateLimit | None | UnsetType = UNSET
    max_concurrency: Concurrency | UnsetType = UNSET
    ordered: bool | UnsetType = UNSET


class EndpointOut(msgspec.Struct, kw_only=True):
    id: str
    url: str
    description: str | None
    event_types: list[str]
    header_names: list[str]
    rate_limit: int | None
    max_concurrency: int
    ordered: bool
    state: str
    disabled_reason: str | None
    managed_by: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class EndpointCreated(EndpointOut, kw_only=True):
    secret: str


class EndpointPage(msgspec.Struct, kw_only=True):
    data: list[EndpointOut]
    next_cursor: str | None


class SecretOut(msgspec.Struct, kw_only=True):
    """The current signing secret; during a rotation the previous one also signs until it expires."""

    secret: str
    previous_expires_at: datetime | None = None


class MessageOut(msgspec.Struct, kw_only=True):
    id: str
    endpoint_id: str
    event_id: str | None
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: Any = None


class MessagePage(msgspec.Struct, kw_only=True):
    data: list[MessageOut]
    next_cursor: str | None


class AttemptOut(msgspec.Struct, kw_only=True):
    id: str
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    response_headers: dict[str, str] | None
    response_body: str | None
    error_class: str | None
    outcome: str


class AttemptPage(msgspec.Struct, kw_only=True):
    data: list[AttemptOut]
    next_cursor: str | None


class Recover(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Send again every failed message of the endpoint created at or after `since`."""

    since: AwareDatetime


class Recovered(msgspec.Struct, kw_only=True):
    count: int
