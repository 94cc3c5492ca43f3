"""Errors of the Slack connector; none ever quotes a token, a code or a signing secret.

SlackError (HubError)
├── SignatureRefused (401)   a request claiming to be Slack's is unsigned, forged or older than 5 minutes
├── InstallRefused (400)     unknown, reused or expired `state`, or Slack refused the code or the consent
├── NotConfigured (422)      this hub holds no Slack app credentials
├── WorkspaceTaken (409)     the workspace is bound to another organization, or this one has another
├── NotInstalled (404)       the organization has no workspace installed
├── BadRule (422)            a notification rule names an unknown event, field, operator or channel
└── SlackUnavailable (502)   Slack's Web API failed or could not be reached

SlackUnavailable is also the shared vocabulary's Unavailable (`hub.outside`); what the Web API answers a
notification job is told in that vocabulary too (`notify.py`).
"""

from __future__ import annotations

from hub import outside
from hub.errors import HubError

__all__ = ["BadRule", "InstallRefused", "NotConfigured", "NotInstalled", "SignatureRefused", "SlackError",
           "SlackUnavailable", "WorkspaceTaken"]


class SlackError(HubError):
    status, slug, title = 400, "slack-error", "Slack error"


class SignatureRefused(SlackError):
    status, slug, title = 401, "slack-signature-refused", "The request is not signed by Slack"


class InstallRefused(SlackError):
    status, slug, title = 400, "slack-install-refused", "The Slack install could not be completed"


class NotConfigured(SlackError):
    status, slug, title = 422, "slack-not-configured", "Slack is not configured on this hub"


class WorkspaceTaken(SlackError):
    status, slug, title = 409, "slack-workspace-taken", "The workspace is connected elsewhere"


class NotInstalled(SlackError):
    status, slug, title = 404, "slack-not-installed", "No Slack workspace is installed"


class BadRule(SlackError):
    status, slug, title = 422, "validation-error", "Input failed validation"


class SlackUnavailable(SlackError, outside.Unavailable):
    status, slug, title = 502, "slack-unavailable", "Slack failed"

