"""REST hooks add no event or action of their own: they carry everyone else's to Zapier and Make. They
listen for endpoints disabled by a 410 Gone, and retire the endpoints of ended hooks as a job."""

from __future__ import annotations

from hub.catalog import Catalog
from hub.jobs import JobRegistry
from connectors.resthooks.service import RETIRE_JOB, on_events, retire_endpoint

__all__ = ["register", "register_jobs"]


def register(catalog: Catalog) -> None:
    """Nothing to declare: hooks subscribe to the triggers other modules declare."""


def register_jobs(jobs: JobRegistry) -> None:
    jobs.kind(RETIRE_JOB, retire_endpoint)
    jobs.listen(on_events)
