"""What the Twilio connector declares: the `call.completed` event, the `call.start` action and its jobs."""

from __future__ import annotations

from connectors.twilio.schemas import CALL_COMPLETED, CallIn, CallOut
from connectors.twilio.service import call_out, start
from hub.catalog import Action, ActionContext, Catalog

__all__ = ["register"]

async def _start(ctx: ActionContext, data: CallIn) -> CallOut:
    return call_out(await start(ctx, data))


def register(catalog: Catalog) -> None:
    catalog.add_event(CALL_COMPLETED)
    catalog.add_action(Action(
        key="call.start", label="Start a call", kind="run", input=CallIn, output=CallOut, handler=_start,
        description="Ring the rep's phone through Twilio and connect them to the contact when they answer.",
        sample={"user_id": "usr_06bqv0e7c1k2m3n4p5q6r7s8t9", "contact_id": "con_06bqv0e7c1k2m3n4p5q6r7s8t9"}))
