"""Twilio as a module: click-to-call with a bridge to the contact, signed callbacks, inbound calls, the button."""

from connectors.twilio.catalog import register
from connectors.twilio.embed import embed_router
from connectors.twilio.endpoints import CallController, TelephonyController
from connectors.twilio.inbound import twilio_router
from connectors.twilio.jobs import place, reconcile
from connectors.twilio.models import Call, Telephony
from connectors.twilio.service import PLACE, RECONCILE
from connectors.twilio.settings import TwilioSettings
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="twilio",
    description="Twilio: click-to-call through the Calls API, calls logged from signed status callbacks, inbound "
                "calls, and an embeddable call button.",
    settings=TwilioSettings,
    models=(Telephony, Call),
    routes=(TelephonyController, CallController),
    public=(twilio_router(), embed_router()),
    catalog=register,
    jobs={PLACE: place, RECONCILE: reconcile},
)
