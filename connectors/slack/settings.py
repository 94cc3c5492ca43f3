"""The Slack connector's settings: `HUB_SLACK_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from connectors.slack.manifest import API_URL
from hub.settings import HttpUrl, ModuleSettings, SettingsError, doc

__all__ = ["SlackSettings"]


class SlackSettings(ModuleSettings, kw_only=True, frozen=True):
    """This hub's Slack app: its credentials and signing secret (all three, or none), and the Web API's URL."""

    prefix: ClassVar[str] = "slack"

    client_id: Annotated[str, doc(
        "The Slack app's client id (Basic Information); empty: Slack is off and install answers 422.")] = ""
    client_secret: Annotated[str, doc("The Slack app's client secret, for `oauth.v2.access`.")] = ""
    signing_secret: Annotated[str, doc(
        "The Slack app's signing secret: every request to `/slack/events` carries its v0 signature, at most five "
        "minutes old.")] = ""
    api_url: Annotated[HttpUrl, doc(
        "Base URL of the Web API; the install page is `<same host>/oauth/v2/authorize`.")] = API_URL

    def check(self) -> None:
        if len({bool(self.client_id), bool(self.client_secret), bool(self.signing_secret)}) > 1:
            raise SettingsError(f"{self.var('client_id')}, {self.var('client_secret')} and "
                                f"{self.var('signing_secret')} are set together")
