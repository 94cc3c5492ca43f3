"""Schema migrations through Alembic, on the database the settings name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine
from hub.settings import Settings

__all__ = ["alembic_config", "migrate", "upgrade"]


def alembic_config() -> Config:
    """The hub's migrations, and each module's own folder of them (`Module.migrations`), as one history."""
    from hub.app import MODULES

    here = Path(__file__).parent / "migrations"
    folders = [here / "versions", *(m.migrations for m in MODULES if m.migrations is not None)]
    config = Config()
    config.set_main_option("script_location", str(here))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(f) for f in folders))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the schema to `revision`; safe to run again and from several processes on PostgreSQL."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One migrator at a time when several processes start together.
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7232001)")
        await conn.run_sync(_run, "upgrade", revision)


def _run(connection: Any, verb: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, verb)(config, revision)


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
