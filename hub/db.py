"""Database plumbing: the declarative base, portable column types, ids, engines and sessions."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import uuid_utils
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, MetaData, String, event, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from hub.settings import Settings
from hub.uow import UnitContext, UnitOfWork

__all__ = ["Base", "JSONType", "MONEY_MAX", "Money", "RecordMixin", "UTCDateTime", "create_engine", "new_id", "owned", "plain_decimal",
           "session_factory", "utcnow"]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_B32HEX = "0123456789abcdefghijklmnopqrstuv"
_PAIRS = [a + b for a in _B32HEX for b in _B32HEX]  # every 10 bits as two digits


def new_id(prefix: str) -> str:
    """A time-ordered id: `prefix_` + base32hex of a UUIDv7, so newest-first is id order.

    The 128 bits, padded with two zero bits as base32 pads them, are written ten bits (two digits) at a time:
    the same 26 digits as `base64.b32hexencode` without its `=`s, at a fraction of its cost, which matters to
    batch work that makes thousands of rows at once.
    """
    n = uuid_utils.uuid7().int << 2
    pairs = _PAIRS
    return (f"{prefix}_{pairs[n >> 120]}{pairs[(n >> 110) & 1023]}{pairs[(n >> 100) & 1023]}"
            f"{pairs[(n >> 90) & 1023]}{pairs[(n >> 80) & 1023]}{pairs[(n >> 70) & 1023]}{pairs[(n >> 60) & 1023]}"
            f"{pairs[(n >> 50) & 1023]}{pairs[(n >> 40) & 1023]}{pairs[(n >> 30) & 1023]}{pairs[(n >> 20) & 1023]}"
            f"{pairs[(n >> 10) & 1023]}{pairs[n & 1023]}")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


MONEY_MAX = Decimal(10) ** 16  # NUMERIC(20, 4): 16 digits before the point, 4 after


def plain_decimal(value: Decimal) -> Decimal:
    """The shortest exact form without an exponent: 1000.00 -> 1000, 10.50 -> 10.5."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


class Money(TypeDecorator[Decimal]):
    """Exact decimals: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        from sqlalchemy import Numeric

        return dialect.type_descriptor(Numeric(20, 4) if dialect.name == "postgresql" else String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return plain_decimal(value if isinstance(value, Decimal) else Decimal(value))


JSONType = JSON().with_variant(JSONB(), "postgresql")


class RecordMixin:
    """Columns every record shares; lists are read newest first within one organization."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def org_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # Every UPDATE and DELETE checks the version it read, so concurrent writers never overwrite silently.
        return {"version_id_col": cls.__table__.c.version}

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(None, "org_id", "id"), Index(None, "org_id", "updated_at"), *cls.__extra_args__)

    __extra_args__: tuple = ()


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        # SQLite has one writer. Requests of this process queue for a single connection (fair, no
        # sleeping); BEGIN IMMEDIATE and busy_timeout still order it against other processes.
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30}, pool_size=1,
                                     max_overflow=0, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off so that every transaction starts IMMEDIATE:
    # a deferred one that reads and then writes fails at once with "database is locked".
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine, context: UnitContext | None = None) -> async_sessionmaker[UnitOfWork]:
    """Sessions that are units of work (`hub.uow`), sharing `context`'s signals and catalog."""
    return async_sessionmaker(engine, class_=UnitOfWork, expire_on_commit=False, autoflush=False,
                              context=context or UnitContext())


async def owned(session: AsyncSession, model: Any, org_id: str, row_id: str, noun: str) -> Any:
    """The organization's row of `model` with that id; a 404 naming the `noun` when it has none."""
    from hub.errors import NotFound  # the errors answer HTTP; the tables stand below them

    row = await session.scalar(select(model).where(model.org_id == org_id, model.id == row_id))
    if row is None:
        raise NotFound(f"No {noun} {row_id!r} in this organization.")
    return row
