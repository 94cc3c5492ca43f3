"""What the `hub` command's subcommands share, the modules' own among them: settings that name a bad variable
and exit, one unit of work, and printing a result as text or JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import create_engine, session_factory
from hub.errors import HubError
from hub.settings import Settings, SettingsError, load_settings

__all__ = ["in_session", "print_result", "settings_or_exit"]

T = TypeVar("T")


def settings_or_exit() -> Settings:
    """The settings, or an exit with the message that names the bad variable."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one unit of work, committed when it succeeds; a HubError exits with its detail."""
    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with session_factory(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except HubError as exc:
        raise click.ClickException(exc.detail) from None




def print_result(payload: dict[str, Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(payload) if as_json else text)
