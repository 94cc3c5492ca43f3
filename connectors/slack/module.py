"""Slack as a module: `/crm`, notification rules with buttons, and the install per workspace."""

from __future__ import annotations

import asyncio

from connectors.slack import notify
from connectors.slack.bolt import Slack
from connectors.slack.catalog import register
from connectors.slack.endpoints import SlackController, slack_router
from connectors.slack.models import HandledRequest, Installation, InstallRequest, Rule
from connectors.slack.settings import SlackSettings
from hub.module import Module
from hub.runtime import Hub

__all__ = ["MODULE"]

DRAIN_SECONDS = 15.0


def _build(hub: Hub) -> None:
    hub.provide(Slack(hub))


async def _drain(hub: Hub) -> None:
    """Finish the work acknowledged to Slack but not yet done (a command's answer, a button's effect)."""
    async with asyncio.timeout(DRAIN_SECONDS):
        await hub.service(Slack).drain()


MODULE = Module(
    name="slack",
    description="Slack: the /crm command, notification rules rendered as Block Kit with buttons that act on the "
                "CRM, and the OAuth v2 install per workspace.",
    settings=SlackSettings,
    models=(InstallRequest, Installation, Rule, HandledRequest),
    routes=(SlackController,),
    public=(slack_router(),),
    catalog=register,
    jobs={notify.KIND: notify.handle},
    listeners=(notify.on_events,),
    build=_build,
    drain=_drain,
)
