"""What a module is: one declaration object in its package, which `hub/app.py` lists in its tuple of modules.

A connector or a feature module (and each part of the hub itself) says here everything the hub needs to
mount it: its settings, tables and migrations, routes and pages, catalog entries, jobs and event listeners,
what it contributes to other modules' extension points (an OAuth provider, a ledger, a token type), its
commands, and its start, drain, stop and maintenance hooks. Nothing outside its folder names it, except
that tuple.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.settings import ModuleSettings

if TYPE_CHECKING:
    from hub.catalog import Catalog
    from hub.jobs.registry import Handler, Listener
    from hub.runtime import Hub

__all__ = ["Module", "NavItem"]

Hook = Callable[["Hub"], Awaitable[None]]


@dataclass(frozen=True)
class NavItem:
    """A page in the navigation of the hub's pages; `links`: shown to people who came through a portal link,
    whom the CRM handed the webhook pages and nothing else."""

    label: str
    href: str
    links: bool = False


@dataclass(frozen=True)
class Module:
    """One module of the hub, declared once in its package (`module.py`, named `MODULE`)."""

    name: str
    description: str
    settings: type[ModuleSettings] | None = None
    models: tuple[type, ...] = ()
    migrations: Path | None = None  # its own Alembic versions folder, chained to the hub's
    routes: tuple[Any, ...] = ()  # under the API's guard: a key or token, scopes, strict input
    public: tuple[Any, ...] = ()  # routes that prove the caller otherwise (a signature, a state, a form)
    pages: tuple[Any, ...] = ()  # server-rendered pages under /portal, for a signed-in viewer
    nav: tuple[NavItem, ...] = ()
    templates: Mapping[str, Path] = field(default_factory=dict)  # Jinja folders, by the prefix templates use
    catalog: Callable[[Catalog], None] | None = None  # declares its events, triggers and actions
    jobs: Mapping[str, Handler] = field(default_factory=dict)
    listeners: tuple[Listener, ...] = ()  # see committed events in the relay's transaction
    provides: tuple[Any, ...] = ()  # contributions to extension points, found by type (`Hub.contributions`)
    commands: tuple[Any, ...] = ()  # click commands it adds to the `hub` command
    build: Callable[[Hub], None] | None = None  # makes its services (`hub.provide`) once per process
    start: Hook | None = None  # before the background work begins
    background: Callable[[Hub], Awaitable[None]] | None = None  # runs until the process stops
    drain: Hook | None = None  # at stop, before the background work is cancelled: finish what is under way
    stop: Hook | None = None  # at stop, after it: close what `start` opened
    maintenance: Callable[[Hub], Awaitable[dict[str, int]]] | None = None  # hourly; answers counts to log
