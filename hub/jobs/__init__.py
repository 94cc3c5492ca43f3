"""Durable jobs: work for outside services, queued in the transaction that decided it and retried.

A module declares its kinds (`Module.jobs`) and the listeners that turn committed events into jobs
(`Module.listeners`); a handler answers a result, raises `RetryLater` or `GiveUp`, or lets a failure in the
shared vocabulary (`hub.outside`) tell the runner what to do.
"""

from hub.jobs.queue import JobQueue, enqueue
from hub.jobs.registry import GiveUp, Job, JobContext, JobRegistry, RetryLater, build_registry
from hub.jobs.runner import JobRunner

__all__ = ["GiveUp", "Job", "JobContext", "JobQueue", "JobRegistry", "JobRunner", "RetryLater", "build_registry",
           "enqueue"]
