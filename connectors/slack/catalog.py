"""What the Slack connector adds to the catalog: its workspace events."""

from __future__ import annotations

from typing import Literal

import msgspec

from hub.catalog import Catalog, EventType

__all__ = ["SLACK_INSTALLED", "SLACK_UNINSTALLED", "SlackWorkspaceChanged", "register"]


class SlackWorkspaceChanged(msgspec.Struct, kw_only=True):
    """An organization's Slack workspace was installed, or it stopped being installed."""

    installation_id: str
    team_id: str
    team_name: str | None = None
    state: Literal["installed", "uninstalled", "revoked"]
    reason: str | None = None


_SAMPLE = {"installation_id": "sli_06bqv0e7c1k2m3n4p5q6r7s8t9", "team_id": "T024BE7LD",
           "team_name": "Acme Sales", "state": "installed", "reason": None}


SLACK_INSTALLED = EventType(key="slack.installed", public=False, payload=SlackWorkspaceChanged, subject="slack_installation",
                            sample=_SAMPLE, description="An admin installed the Slack app into a workspace.")
SLACK_UNINSTALLED = EventType(key="slack.uninstalled", public=False, payload=SlackWorkspaceChanged, subject="slack_installation",
                              sample={**_SAMPLE, "state": "uninstalled",
                                      "reason": "the app was uninstalled from the workspace"},
                              description="The Slack workspace was disconnected: uninstalled, its token revoked, "
                                          "or disconnected from the hub.")


def register(catalog: Catalog) -> None:
    catalog.add_event(SLACK_INSTALLED)
    catalog.add_event(SLACK_UNINSTALLED)
