"""The buttons on CRM messages: Mark won, Assign to me and Log a call act on the record, then the message
is updated to show what happened and who did it.

Changes go through the record service, so they fire the usual events (`deal.won`, `deal.updated`,
`activity.created`…) and meet the usual rules. A channel message is updated with `chat.update`; an
ephemeral one (a `/crm deal` answer) through the action's `response_url` with `replace_original`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import structlog
from slack_bolt.async_app import AsyncApp

from connectors.slack.blocks import ASSIGN, BUTTONS, DONE_PREFIX, LOG_CALL, MARK_WON, card, done, esc, lookups
from connectors.slack.commands import FAILED
from connectors.slack.people import Refusal, acting_user, transaction
from hub.catalog import ActionContext
from hub.errors import HubError
from hub.records import service
from hub.records.definitions import ACTIVITIES, DEALS, RESOURCES
from hub.runtime import Hub
from hub.tenancy.models import User

__all__ = ["register", "updated_blocks"]

log = structlog.get_logger("connectors.slack")
Json = dict[str, Any]
Act = Callable[[ActionContext, str, str, User], Awaitable[str]]


async def _mark_won(ctx: ActionContext, kind: str, record_id: str, user: User) -> str:
    if kind != "deal":
        raise Refusal("Only a deal can be marked won.")
    deal = await service.get(ctx, DEALS, record_id)
    if deal.status == "won":
        return "Already won; checked"
    await service.update(ctx, DEALS, record_id, DEALS.update(status="won"))
    return ":trophy: Marked won"


async def _assign(ctx: ActionContext, kind: str, record_id: str, user: User) -> str:
    resource = RESOURCES[kind]
    record = await service.get(ctx, resource, record_id)
    if record.owner_id == user.id:
        return "Already assigned; kept"
    await service.update(ctx, resource, record_id, resource.update(owner_id=user.id))
    return f":bust_in_silhouette: Assigned to {esc(user.name, 100)}"


async def _log_call(ctx: ActionContext, kind: str, record_id: str, user: User) -> str:
    await service.get(ctx, RESOURCES[kind], record_id)
    await service.create(ctx, ACTIVITIES, ACTIVITIES.create(
        type="call", subject="Call logged from Slack", owner_id=user.id, **{f"{kind}_id": record_id}))
    return ":telephone_receiver: Call logged"


ACTS: dict[str, Act] = {MARK_WON: _mark_won, ASSIGN: _assign, LOG_CALL: _log_call}


def updated_blocks(blocks: list[Json], kind: str, record: Json, names: Json, note: str) -> list[Json]:
    """The message's blocks with this record's card redrawn and `note` added beneath it; other records'
    cards and earlier notes stay as they were."""
    fresh, prefix = card(kind, record, names), f"{DONE_PREFIX}{record['id']}_"
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") == f"crm_actions_{record['id']}"), None)
    if at is None or at == 0:
        return [*fresh, done(note, prefix + "1")]
    end = at + 1
    while end < len(blocks) and str(blocks[end].get("block_id", "")).startswith(prefix):
        end += 1
    notes = blocks[at + 1:end]
    # The card is the section just above its buttons; it is redrawn from the record as it is now.
    return [*blocks[:at - 1], *fresh, *notes, done(note, f"{prefix}{len(notes) + 1}"), *blocks[end:]][:50]


def register(app: AsyncApp, hub: Hub, track: Callable[[], Any]) -> None:
    for action_id, act in ACTS.items():
        app.action(action_id)(_listener(hub, track, act))


def _listener(hub: Hub, track: Callable[[], Any], act: Act) -> Callable[..., Awaitable[None]]:
    async def on_click(ack: Any, body: Json, action: Json, context: Any, client: Any, respond: Any) -> None:
        async with track():
            await ack()
            kind, _, record_id = str(action.get("value", "")).partition(":")
            slack_user = (body.get("user") or {}).get("id", "")
            try:
                if kind not in BUTTONS or not record_id:
                    raise Refusal("This button does not name a CRM record.")
                async with transaction(hub, context["org_id"], context.team_id, slack_user) as ctx:
                    user = await acting_user(client, ctx.session, ctx.org_id, slack_user)
                    did = await act(ctx, kind, record_id, user)
                    record = RESOURCES[kind].to_data(await service.get(ctx, RESOURCES[kind], record_id))
                    names = await lookups(ctx.session, ctx.org_id, record)
            except Exception as exc:  # a refusal, a rule of the CRM, or a failure: said to the clicker
                await _tell(respond, exc)
                return
            await _show(body, client, respond, kind, record, names, f"{did} by <@{slack_user}>")
    return on_click


async def _tell(respond: Any, exc: Exception) -> None:
    """Say why nothing happened, to the one who clicked, without touching the message."""
    if isinstance(exc, Refusal):
        text = exc.message
    elif isinstance(exc, HubError):
        text = f":warning: {esc(exc.detail, 500)}"
    else:
        log.error("slack.action.failed", error_class=type(exc).__name__, exc_info=exc)
        text = FAILED
    try:
        await respond(response_type="ephemeral", replace_original=False, text=text)
    except Exception as err:
        log.warning("slack.action.respond_failed", error_class=type(err).__name__)


async def _show(body: Json, client: Any, respond: Any, kind: str, record: Json, names: Json,
                note: str) -> None:
    message, container = body.get("message") or {}, body.get("container") or {}
    blocks = updated_blocks(list(message.get("blocks") or []), kind, record, names, note)
    text = message.get("text") or note
    try:
        if container.get("is_ephemeral") or not (container.get("channel_id") and container.get("message_ts")):
            await respond(replace_original=True, text=text, blocks=blocks)
        else:
            await client.chat_update(channel=container["channel_id"], ts=container["message_ts"], text=text,
                                     blocks=blocks)
    except Exception as exc:  # the change is made; only its display failed
        log.warning("slack.action.update_failed", error_class=type(exc).__name__)
