"""What the Slack connector adds to the catalog (its events) and to the job queue (notifications)."""

from __future__ import annotations

from typing import Literal

import msgspec

from connectors.slack import notify
from hub.catalog import Catalog, EventType
from hub.jobs import JobRegistry

__all__ = ["SlackWorkspaceChanged", "register", "register_jobs"]


class SlackWorkspaceChanged(msgspec.Struct, kw_only=True):
    """An organization's Slack workspace was installed, or it stopped being installed."""

    installation_id: str
    team_id: str
    team_name: str | None = None
    state: Literal["installed", "uninstalled", "revoked"]
    reason: str | None = None


_SAMPLE = {"installation_id": "sli_06bqv0e7c1k2m3n4p5q6r7s8t9", "team_id": "T024BE7LD",
           "team_name": "Acme Sales", "state": "installed", "reason": None}


def register(catalog: Catalog) -> None:
    catalog.add_event(EventType(key="slack.installed", payload=SlackWorkspaceChanged,
                                subject="slack_installation", sample=_SAMPLE,
                                description="An admin installed the Slack app into a workspace."))
    catalog.add_event(EventType(key="slack.uninstalled", payload=SlackWorkspaceChanged,
                                subject="slack_installation",
                                sample={**_SAMPLE, "state": "uninstalled",
                                        "reason": "the app was uninstalled from the workspace"},
                                description="The Slack workspace was disconnected: uninstalled, its token "
                                            "revoked, or disconnected from the hub."))


def register_jobs(jobs: JobRegistry) -> None:
    jobs.kind(notify.KIND, notify.handle)
    jobs.listen(notify.on_events)
