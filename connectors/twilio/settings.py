"""The Twilio connector's settings: `HUB_TWILIO_*`."""

from __future__ import annotations

from typing import Annotated, ClassVar

from hub.settings import HttpUrl, ModuleSettings, doc

__all__ = ["TwilioSettings"]


class TwilioSettings(ModuleSettings, kw_only=True, frozen=True):
    """Where the Calls API is, how long one call to it may take, and how often a call in progress is checked."""

    prefix: ClassVar[str] = "twilio"

    api_url: Annotated[HttpUrl, doc("Base URL of the Twilio REST API.")] = "https://api.twilio.com"
    timeout: Annotated[float, doc("Seconds for one request to the Twilio API.", gt=0)] = 15.0
    reconcile_seconds: Annotated[float, doc(
        "How long after a call starts (and then how often) the hub asks Twilio about a call whose callbacks have "
        "not finished it.", gt=0)] = 900.0
