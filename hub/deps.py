"""Request-scoped dependencies: one session per request, committed before the answer is sent."""

from __future__ import annotations

from typing import Any, AsyncGenerator

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext, Catalog
from hub.tenancy.auth import Principal, authenticate

__all__ = ["API_DEPENDENCIES", "CatalogDep", "Ctx", "provide_session"]

Ctx = NamedDependency[ActionContext]
CatalogDep = NamedDependency[Catalog]


async def provide_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """The request is the transaction boundary: commit on success, roll back on any error."""
    async with state.sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
            if session.info.pop("wrote_events", False):
                state.relay.wake()
            if session.info.pop("wake_worker", False):
                state.worker.wake()
            if session.info.pop("wake_jobs", False):
                state.jobs.wake()


async def provide_principal(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Principal:
    return await authenticate(request, db)


async def provide_ctx(db: NamedDependency[AsyncSession], principal: NamedDependency[Principal]) -> ActionContext:
    return ActionContext(session=db, principal=principal)


API_DEPENDENCIES = {
    "db": Provide(provide_session),
    "principal": Provide(provide_principal),
    "ctx": Provide(provide_ctx),
}
