"""Request-scoped dependencies: one unit of work per request, committed before the answer is sent."""

from __future__ import annotations

from typing import Any, AsyncGenerator

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from hub import idempotency
from hub.catalog import ActionContext, Catalog
from hub.runtime import Hub
from hub.tenancy.auth import Principal, authenticate

__all__ = ["API_DEPENDENCIES", "CatalogDep", "Ctx", "HubDep", "provide_session"]

Ctx = NamedDependency[ActionContext]
CatalogDep = NamedDependency[Catalog]
HubDep = NamedDependency[Hub]


async def provide_session(hub: HubDep) -> AsyncGenerator[AsyncSession, None]:
    """The request is the transaction boundary: commit on success (then its after-commit hooks run), roll
    back on any error."""
    async with hub.sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def provide_principal(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Principal:
    """The caller; a POST whose `Idempotency-Key` has an answer stored ends here with that answer."""
    principal = await authenticate(request, db)
    await idempotency.begin(request, db, principal.org_id)
    return principal


async def provide_ctx(db: NamedDependency[AsyncSession], principal: NamedDependency[Principal],
                      hub: HubDep) -> ActionContext:
    return ActionContext(session=db, principal=principal, hub=hub)


API_DEPENDENCIES = {
    "db": Provide(provide_session),
    "principal": Provide(provide_principal),
    "ctx": Provide(provide_ctx),
}
