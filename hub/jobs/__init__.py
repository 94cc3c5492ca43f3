"""Durable jobs: work for outside services, queued in the transaction that decided it and retried.

A module declares its kinds and event listeners in `register_jobs(jobs)` beside its catalog `register`.
"""

from hub.jobs.queue import enqueue
from hub.jobs.registry import GiveUp, Job, JobContext, JobRegistry, RetryLater, build_registry
from hub.jobs.runner import JobRunner

__all__ = ["GiveUp", "Job", "JobContext", "JobRegistry", "JobRunner", "RetryLater", "build_registry", "enqueue"]
