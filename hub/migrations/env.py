"""Alembic environment: runs on the connection `hub.migrate` hands over, on any backend."""

from __future__ import annotations

from alembic import context

from hub.app import MODULES  # importing the modules registers every table on the metadata
from hub.db import Base

target_metadata = Base.metadata
assert all(model.__table__.metadata is target_metadata for module in MODULES for model in module.models)


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hub migrate`")
run(connection)
