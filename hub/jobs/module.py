"""The job queue's API: what the hub is doing with outside services for an organization."""

from hub.jobs.endpoints import JobController
from hub.jobs.models import JobRow
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="jobs",
    description="Durable jobs: work for outside services, queued with the change that decided it and retried.",
    models=(JobRow,),
    routes=(JobController,),
)
