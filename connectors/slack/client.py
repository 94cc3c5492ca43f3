"""The Web API client: Slack's official `AsyncWebClient`, on the configured base URL (the real Slack or a
stand-in). Every remote call the connector makes is one of its methods (the manifest's `call`s)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from connectors.slack.settings import SlackSettings

__all__ = ["TIMEOUT", "web_client"]

TIMEOUT = 10  # seconds for one Web API call


def web_client(config: SlackSettings, token: str | None = None) -> AsyncWebClient:
    """A client for one workspace's bot token, or for the app itself when `token` is None."""
    return AsyncWebClient(token=token, base_url=config.api_url, timeout=TIMEOUT)
