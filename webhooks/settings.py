"""The delivery engine's settings: `HUB_WEBHOOK_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.net.ssrf import Policy
from hub.retry import RetryPolicy
from hub.settings import ModuleSettings, SettingsError, doc

__all__ = ["WebhookSettings"]


class WebhookSettings(ModuleSettings, kw_only=True, frozen=True):
    """How webhooks are delivered: where they may go, how often they are retried, how many run at once."""

    prefix: ClassVar[str] = "webhook"

    allowed_hosts: Annotated[str, doc(
        "Hosts, addresses or networks deliveries may reach over plain http or at internal addresses (receivers "
        "inside your network).")] = ""
    retry_schedule: Annotated[str, doc(
        "Delay in seconds before each attempt; past the last the message has failed."
    )] = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    connect_timeout: Annotated[float, doc("Seconds to connect to a receiver.", gt=0)] = 5.0
    timeout: Annotated[float, doc("Seconds for a whole attempt.", gt=0)] = 15.0
    disable_after_hours: Annotated[float, doc(
        "An endpoint failing this long is disabled (and warned about at half).", gt=0)] = 120.0
    secret_grace_hours: Annotated[float, doc("How long a rotated secret keeps signing beside the new one.",
                                             ge=0)] = 24.0
    retention_days: Annotated[float, doc("Payloads of finished messages are purged after this.", gt=0)] = 30.0
    max_payload_bytes: Annotated[int, doc(
        "A larger event body fails its message at once, with the reason.", gt=0)] = 262_144
    concurrency: Annotated[int, doc("Attempts in flight per worker process.", gt=0)] = 200
    lease_seconds: Annotated[float, doc(
        "How long a worker holds a message it took; must exceed the attempt timeout.", gt=0)] = 60.0
    breaker_failures: Annotated[int, doc("Failures in a row that open an endpoint's circuit breaker.", gt=0)] = 5
    breaker_cooldown_seconds: Annotated[float, doc(
        "How long an open breaker waits at first before a probe (doubling while it fails).", gt=0)] = 30.0

    def check(self) -> None:
        for name, parse in (("retry_schedule", RetryPolicy.parse), ("allowed_hosts", Policy.parse)):
            try:
                parse(getattr(self, name))
            except ValueError as exc:
                raise SettingsError(f"{self.var(name)} is invalid: {exc}") from None
        if self.lease_seconds <= self.timeout:
            raise SettingsError(f"{self.var('lease_seconds')} must exceed {self.var('timeout')}, or a slow attempt "
                                "is sent twice")
