"""Each signed request from Slack is acted on once: a replay within its five minutes does nothing.

Events API callbacks are known by their `event_id` (Slack's retries of one event share it); commands and
interactions by their signature, which covers the timestamp and the whole body. The memory is a table, so
a replay that reaches another process is caught too; a row outlives the window its signature is accepted in
and is then deleted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Mapping

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.slack.models import HandledRequest
from hub.db import utcnow

__all__ = ["first_time", "request_key"]


def request_key(body: bytes, headers: Mapping[str, str]) -> str | None:
    """What identifies this request among replays; None for a URL check, which changes nothing."""
    if body.lstrip().startswith(b"{"):
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            if document.get("type") == "url_verification":
                return None
            if isinstance(document.get("event_id"), str):
                return f"event:{document['event_id'][:70]}"
    signed = f"{headers.get('x-slack-request-timestamp')}:{headers.get('x-slack-signature')}"
    return "sig:" + hashlib.sha256(signed.encode()).hexdigest()


async def first_time(sessions: async_sessionmaker[AsyncSession], key: str, timestamp: int, window: int) -> bool:
    """Remember `key` until its request goes stale; False when it was remembered already."""
    expires_at = datetime.fromtimestamp(timestamp, timezone.utc) + timedelta(seconds=window + 1)
    try:
        async with sessions.begin() as session:
            await session.execute(delete(HandledRequest).where(HandledRequest.expires_at < utcnow()))
            session.add(HandledRequest(key=key, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
