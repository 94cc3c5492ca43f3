"""The Slack connector: `/crm`, notification rules with buttons, and the per-workspace install."""

from connectors.slack.bolt import Slack
from connectors.slack.errors import (BadRule, InstallRefused, NotConfigured, NotInstalled, SignatureRefused,
                                     SlackError, SlackUnavailable, WorkspaceTaken)
from connectors.slack.manifest import MANIFEST

__all__ = ["BadRule", "InstallRefused", "MANIFEST", "NotConfigured", "NotInstalled", "SignatureRefused",
           "Slack", "SlackError", "SlackUnavailable", "WorkspaceTaken"]
