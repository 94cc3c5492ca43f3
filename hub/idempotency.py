"""`Idempotency-Key` for POST requests: the first answer is kept and replayed to repeats.

Every authenticated POST takes the key: once the caller's organization is known, a repeat of a stored request
is answered from the store (a different body under the same key is a 409), and a new request's successful
answer is stored in the same transaction as the change it describes, just before that transaction commits.
Stored answers are sealed with the hub's key, since some (a new API key, an endpoint's secret) carry secrets.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import utcnow
from hub.errors import BadRequest, Conflict
from hub.events.models import IdempotencyRecord

__all__ = ["Idempotency", "Replayed", "begin", "purge_expired", "remember_answer", "replayed_answer", "track"]

_STATE = "hub_idempotency"
# The request state of the request being answered; after-request hooks are handed only the response.
_CURRENT: ContextVar[dict[str, Any] | None] = ContextVar("hub_idempotency_request", default=None)


class Replayed(Exception):
    """Raised once the key is found stored: ends the request with the stored answer, changing nothing."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__("replayed")
        self.response = response


class Idempotency:
    """One request's view of its key: replay a stored answer, or store the new one in the same transaction."""

    def __init__(self, session: AsyncSession, org_id: str, key: str | None, fingerprint: str, ttl_hours: int):
        self.session, self.org_id, self.key, self.fingerprint = session, org_id, key, fingerprint
        self.ttl = timedelta(hours=ttl_hours)
        self.done, self.no_store = False, False
        self.cipher: Any = None

    @classmethod
    async def of(cls, request: Request[Any, Any, Any], session: AsyncSession, org_id: str) -> Idempotency:
        """The request's key, made once per request (a handler asking again gets the same one)."""
        state = request.scope.setdefault("state", {})
        if isinstance(known := state.get(_STATE), Idempotency):
            return known
        key = request.headers.get("idempotency-key")
        if key is not None and not 1 <= len(key) <= 255:
            raise BadRequest("Idempotency-Key must be 1 to 255 characters.")
        digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + await request.body())
        hub = request.app.state.hub
        state[_STATE] = made = cls(session, org_id, key, digest.hexdigest(), hub.settings.idempotency_ttl_hours)
        made.cipher = hub.cipher
        cache = request.route_handler.cache_control
        made.no_store = bool(cache is not None and cache.no_store)
        return made

    async def replay(self) -> Response[Any] | None:
        if self.key is None:
            return None
        prior = await self.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.org_id == self.org_id, IdempotencyRecord.key == self.key,
            IdempotencyRecord.created_at > utcnow() - self.ttl))
        if prior is None:
            return None
        if prior.request_hash != self.fingerprint:
            raise Conflict("This Idempotency-Key was used with a different request.")
        headers = {"Idempotent-Replayed": "true"} | ({"Cache-Control": "no-store"} if self.no_store else {})
        return Response(self._unseal(prior.response), status_code=prior.status_code, headers=headers)

    async def remember(self, status_code: int, body: Any) -> None:
        """Store the answer in the request's transaction; once per request."""
        if self.key is None or self.done:
            return
        self.done = True
        body = self._seal(body)
        await self.session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.org_id == self.org_id, IdempotencyRecord.key == self.key,
            IdempotencyRecord.created_at <= utcnow() - self.ttl))
        self.session.add(IdempotencyRecord(org_id=self.org_id, key=self.key, request_hash=self.fingerprint,
                                           status_code=status_code, response=body))
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("A request with this Idempotency-Key is in progress; retry it shortly.") from None


    def _context(self) -> str:
        return f"idempotency:{self.org_id}:{self.key}"

    def _seal(self, body: Any) -> Any:
        if self.cipher is None:
            return body
        return {"sealed": self.cipher.encrypt(msgspec.json.encode(body), context=self._context())}

    def _unseal(self, stored: Any) -> Any:
        # Answers stored before sealing came in are plain JSON.
        if self.cipher is None or not (isinstance(stored, dict) and set(stored) == {"sealed"}):
            return stored
        return msgspec.json.decode(self.cipher.decrypt(stored["sealed"], context=self._context()))


def track(request: Request[Any, Any, Any]) -> None:
    """Note the request being answered, for `remember_answer` (a before-request step of the API router)."""
    _CURRENT.set(request.scope.setdefault("state", {}))


async def begin(request: Request[Any, Any, Any], session: AsyncSession, org_id: str) -> None:
    """Once the caller is known: raise `Replayed` when this POST's key has an answer stored."""
    if request.method != "POST" or "idempotency-key" not in request.headers:
        return
    if (replayed := await (await Idempotency.of(request, session, org_id)).replay()) is not None:
        raise Replayed(replayed)


async def remember_answer(response: Any) -> Any:
    """Store a successful answer to a POST with a key (an after-request step, before the commit)."""
    state = _CURRENT.get()
    _CURRENT.set(None)
    idem = state.get(_STATE) if state else None
    if isinstance(idem, Idempotency) and isinstance(response, Response) and 200 <= response.status_code < 300:
        await idem.remember(response.status_code, msgspec.to_builtins(response.content))
    return response


def replayed_answer(_request: Request[Any, Any, Any], exc: Replayed) -> Response[Any]:
    return exc.response


async def purge_expired(session: AsyncSession, ttl_hours: int) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at <= utcnow() - timedelta(hours=ttl_hours)))
    return result.rowcount or 0
