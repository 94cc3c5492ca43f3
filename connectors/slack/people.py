"""Who acts from Slack: a Slack user is the CRM user of the workspace's organization with the same email.

The email comes from `users.info` (scope `users:read.email`) with the workspace's bot token, never from
the request, whose fields a workspace member cannot vouch for. A Slack user without an active CRM user
of that email may not read or change anything.
"""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext
from hub.runtime import Hub
from hub.tenancy.auth import Principal
from hub.tenancy.models import User

__all__ = ["Refusal", "acting_user", "as_principal", "transaction"]


class Refusal(Exception):
    """A message for the Slack user instead of the action they asked for."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def acting_user(client: AsyncWebClient, session: AsyncSession, org_id: str, slack_user_id: str) -> User:
    """The organization's active CRM user whose email is the Slack user's profile email."""
    try:
        answer = await client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
        raise Refusal(f":warning: Slack would not tell us who you are ({error}); try again in a "
                      f"moment.") from None
    email = str(((answer.get("user") or {}).get("profile") or {}).get("email") or "").lower()
    if not email:
        raise Refusal(":lock: Your Slack profile shows no email, so the CRM cannot tell which of its users "
                      "you are.")
    user = await session.scalar(select(User).where(User.org_id == org_id, User.email == email,
                                                   User.active.is_(True)))
    if user is None:
        raise Refusal(f":lock: {email} is not an active user of this CRM organization; ask an admin to add "
                      f"you with that email.")
    return user


def as_principal(org_id: str, team_id: str | None, slack_user_id: str) -> Principal:
    """The caller the record services see: the organization, acting through one Slack user."""
    return Principal(key_id=f"slack:{team_id}:{slack_user_id}", org_id=org_id, prefix="slack",
                     scopes=frozenset({"write"}))


@contextlib.asynccontextmanager
async def transaction(hub: Hub, org_id: str, team_id: str | None,
                      slack_user_id: str) -> AsyncIterator[ActionContext]:
    """One unit of work, committed when the block ends without an error."""
    async with hub.sessions.begin() as session:
        yield ActionContext(session=session, principal=as_principal(org_id, team_id, slack_user_id), hub=hub)
