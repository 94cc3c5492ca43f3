"""The TwiML the hub answers Twilio with, built with the twilio package's `VoiceResponse`.

https://www.twilio.com/docs/voice/twiml/dial: `<Dial>` only connects a call that is already up, so
click-to-call first rings the rep (Calls API) and answers `connect` when they pick up.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

__all__ = ["MEDIA_TYPE", "connect", "hang_up", "unavailable"]

MEDIA_TYPE = "text/xml"
# Both parties on their own channel, from the moment the dialed party answers.
RECORDING = "record-from-answer-dual"
RING_SECONDS = 30


def connect(number: str, *, action: str, caller_id: str | None, record: bool) -> str:
    """Dial `number` into the current call; Twilio posts the dial's outcome to `action` when it ends."""
    response = VoiceResponse()
    response.dial(number, action=action, method="POST", caller_id=caller_id, timeout=RING_SECONDS,
                  record=RECORDING if record else None)
    return str(response)


def unavailable(message: str) -> str:
    """Tell the caller why nobody can be reached, then end the call."""
    response = VoiceResponse()
    response.say(message)
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
