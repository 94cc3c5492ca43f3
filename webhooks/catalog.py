"""Events the delivery engine itself emits about endpoints, and the test event."""

from __future__ import annotations

from datetime import datetime

import msgspec

from hub.catalog import Catalog, EventType

__all__ = ["ENDPOINT_DISABLED", "ENDPOINT_FAILING", "EndpointHealth", "TestPing", "WEBHOOK_TEST", "register"]


class EndpointHealth(msgspec.Struct, kw_only=True):
    """An endpoint's delivery trouble."""

    endpoint_id: str
    url: str
    reason: str
    failing_since: datetime | None = None


class TestPing(msgspec.Struct, kw_only=True):
    """A test delivery asked for by a person."""

    message: str


_SAMPLE = {"endpoint_id": "ep_06bqv0e7c1k2m3n4p5q6r7s8t9", "url": "https://example.com/hooks",
           "reason": "failing for 60 hours", "failing_since": "2026-01-13T10:30:00Z"}


ENDPOINT_FAILING = EventType(key="endpoint.failing", public=False, payload=EndpointHealth, subject="endpoint", sample=_SAMPLE,
                             description="An endpoint has failed every delivery for half the time that disables it.")
ENDPOINT_DISABLED = EventType(key="endpoint.disabled", public=False, payload=EndpointHealth, subject="endpoint",
                              sample={**_SAMPLE, "reason": "failing for 120 hours"},
                              description="An endpoint was disabled: it failed for too long, or answered 410.")
# Never emitted into the outbox: a test message is written straight to one endpoint (`Webhooks.send_test`).
WEBHOOK_TEST = EventType(key="webhook.test", public=False, payload=TestPing, subject="endpoint",
                         sample={"message": "A test delivery from the CRM hub."},
                         description="A test delivery sent to one endpoint on request.")


def register(catalog: Catalog) -> None:
    for event in (ENDPOINT_FAILING, ENDPOINT_DISABLED, WEBHOOK_TEST):
        catalog.add_event(event)
