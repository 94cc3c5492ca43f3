"""Per-endpoint circuit breakers: a dead endpoint stops taking delivery slots from the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["Breakers"]


@dataclass
class _State:
    failures: int = 0
    open_until: datetime | None = None
    cooldown: timedelta = timedelta(0)


@dataclass
class Breakers:
    """Open after `threshold` failures in a row; stay open for a cool-down that doubles up to `max_cooldown`;
    then let one probe through at a time until an attempt succeeds."""

    threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(minutes=5)
    _states: dict[str, _State] = field(default_factory=dict)

    def observe(self, endpoint_id: str, succeeded: bool, now: datetime) -> None:
        state = self._states.setdefault(endpoint_id, _State())
        if succeeded:
            self._states.pop(endpoint_id, None)
            return
        if state.open_until is not None and now < state.open_until:
            return  # an attempt that began before the breaker opened: no news about the endpoint
        state.failures += 1
        if state.failures >= self.threshold:  # the threshold reached, or a probe failed: (re)open, longer
            state.cooldown = min(self.max_cooldown, state.cooldown * 2 if state.cooldown else self.cooldown)
            state.open_until = now + state.cooldown

    def is_open(self, endpoint_id: str, now: datetime) -> bool:
        state = self._states.get(endpoint_id)
        return state is not None and state.open_until is not None and state.open_until > now

    def probing(self, endpoint_id: str) -> bool:
        """Past its cool-down but not yet healed: one attempt at a time."""
        state = self._states.get(endpoint_id)
        return state is not None and state.failures >= self.threshold

    def open_endpoints(self, now: datetime) -> list[str]:
        return [ep for ep in self._states if self.is_open(ep, now)]
