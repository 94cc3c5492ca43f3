"""Prometheus metrics of the delivery engine."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = ["ATTEMPTS", "ATTEMPT_SECONDS", "ENDPOINTS", "OLDEST_PENDING", "PENDING", "REDELIVERIES"]

ATTEMPTS = Counter("hub_webhook_attempts_total", "Delivery attempts by outcome", ["outcome"])
ATTEMPT_SECONDS = Histogram("hub_webhook_attempt_duration_seconds", "Time from request sent to answer read",
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15))
PENDING = Gauge("hub_webhook_messages_pending", "Messages waiting for an attempt, due or not")
OLDEST_PENDING = Gauge("hub_webhook_oldest_due_seconds", "Age of the oldest message that is due and not yet sent")
ENDPOINTS = Gauge("hub_webhook_endpoints", "Endpoints by state", ["state"])
REDELIVERIES = Counter("hub_webhook_redeliveries_total",
                       "Messages taken again after a worker's lease lapsed without a recorded attempt: the lost "
                       "attempt may have reached the endpoint, so each of these is a possible duplicate")
