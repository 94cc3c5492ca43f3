"""The event outbox's API: events posted by the wider CRM, and each organization's event log."""

from hub.events.catalog import register
from hub.events.endpoints import EventController
from hub.events.models import Event, IdempotencyRecord
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="events",
    description="The outbox every change writes its event to, the event log, and the events the wider CRM posts.",
    models=(Event, IdempotencyRecord),
    routes=(EventController,),
    catalog=register,
)
