"""REST hooks as a module: Zapier's and Make's subscriptions, samples and polling for every trigger, action
fields with the records' dropdowns. It declares no event of its own: hooks carry everyone else's."""

from connectors.resthooks.endpoints import (ChoiceController, HookController, TriggerController,
                                            read_action_fields)
from connectors.resthooks.fields import register
from connectors.resthooks.models import Hook
from connectors.resthooks.service import RETIRE_JOB, on_events, retire_endpoint
from hub.module import Module

__all__ = ["MODULE"]

MODULE = Module(
    name="resthooks",
    description="REST hooks for Zapier and Make: a subscription is an endpoint of the delivery engine bound to "
                "one trigger, removed when its target answers 410.",
    models=(Hook,),
    catalog=register,
    routes=(HookController, TriggerController, read_action_fields, ChoiceController),
    jobs={RETIRE_JOB: retire_endpoint},
    listeners=(on_events,),
)
