"""The provider side of the Slack connector: static facts, nothing per workspace."""

from __future__ import annotations

from connectors.manifest import Limits, Manifest, Operation

__all__ = ["API_URL", "COMMAND", "EVENTS_PATH", "MANIFEST", "OAUTH_CALLBACK_PATH", "SCOPES",
           "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "authorize_url"]

# https://docs.slack.dev/reference/methods (every Web API method is POST/GET <base>/<method>)
API_URL = "https://slack.com/api/"
# https://docs.slack.dev/authentication/verifying-requests-from-slack
SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
# One request URL for slash commands, interactivity and the Events API, as Bolt prefers.
EVENTS_PATH = "/slack/events"
OAUTH_CALLBACK_PATH = "/slack/oauth/callback"
COMMAND = "/crm"
# commands: the slash command; chat:write(.public): post to channels without being invited first;
# users:read(.email): map the Slack user who acts to a CRM user by email.
SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "users:read.email")


def authorize_url(api_url: str) -> str:
    """Slack's consent page sits beside the Web API: https://slack.com/api/ → https://slack.com/oauth/v2/authorize."""
    base = api_url.rstrip("/")
    return base.removesuffix("/api") + "/oauth/v2/authorize"


# https://docs.slack.dev/apis/web-api/rate-limits : chat.postMessage about 1 message/s per channel.
MANIFEST = Manifest(
    key="slack",
    name="Slack",
    oauth_provider="slack",  # its own OAuth v2 install flow (install.py), bound to an organization by `state`
    scopes=SCOPES,
    allowed_hosts=("slack.com", "hooks.slack.com"),
    base_urls={"production": API_URL},
    signature_header=SIGNATURE_HEADER,
    limits=Limits(per_minute=60),
    triggers=(
        Operation("slack.command", "/crm slash command", "Someone runs /crm find|deal|lead|pipeline|help.",
                  fires="webhook"),
        Operation("slack.block_actions", "Notification button", "Someone clicks Mark won, Assign to me or "
                  "Log a call on a notification.", fires="webhook"),
        Operation("slack.app_uninstalled", "App uninstalled", "The workspace removed the app, or revoked its "
                  "token (tokens_revoked).", fires="webhook"),
    ),
    actions=(
        Operation("slack.notify", "Post a notification", "A Block Kit message in a channel.",
                  call="chat_postMessage"),
        Operation("slack.message.update", "Update a message", "Show what a button did.", call="chat_update"),
        Operation("slack.user.read", "Read a Slack user", "The email that maps them to a CRM user.",
                  call="users_info"),
        Operation("slack.install", "Exchange an install code", "OAuth v2 code for a bot token.",
                  call="oauth_v2_access"),
        Operation("slack.uninstall", "Revoke the bot token", "When an admin disconnects the workspace.",
                  call="auth_revoke"),
    ),
)
