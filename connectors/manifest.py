"""The shape every connector declares itself in: static facts of the service, nothing per installation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Limits", "Manifest", "Operation"]


@dataclass(frozen=True)
class Operation:
    """A trigger or an action: `fires` says how a trigger fires, `samples` name its captured fixtures, `call`
    the client method an action runs."""

    key: str
    label: str
    description: str
    fires: str | None = None  # "webhook" or "polling" for a trigger; None for an action
    samples: tuple[str, ...] = ()
    call: str | None = None


@dataclass(frozen=True)
class Limits:
    """What the service allows, per connected account; None where it states no limit."""

    per_minute: int | None = None
    concurrent: int | None = None
    per_day: int | None = None


@dataclass(frozen=True)
class Manifest:
    """Key, auth, scopes, hosts, limits, triggers and actions of one connector (the connected organization's
    side lives in oauth/)."""

    key: str
    name: str
    oauth_provider: str
    scopes: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    base_urls: Mapping[str, str]  # the first is the production API
    signature_header: str
    triggers: tuple[Operation, ...]
    actions: tuple[Operation, ...]
    limits: Limits = field(default_factory=Limits)

    @property
    def base_url(self) -> str:
        return next(iter(self.base_urls.values()))
