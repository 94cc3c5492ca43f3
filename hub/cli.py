"""The `hub` command: serve, migrate, organizations, keys and demo data."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.commands import in_session, print_result, settings_or_exit
from hub.migrate import migrate
from hub.settings import Settings
from hub.tenancy import service
from hub.tenancy.auth import SCOPES
from hub.tenancy.models import Organization

__all__ = ["main"]

@click.group()
def main() -> None:
    """The CRM integration hub."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (HUB_HOST).")
@click.option("--port", default=None, type=int, help="Port to listen on (HUB_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Apply migrations, make a demo organization on first start, and serve the hub."""
    import uvicorn

    from hub.app import create_app

    settings = settings_or_exit()
    asyncio.run(migrate(settings))
    host, port = host or settings.host, port or settings.port
    if settings.demo_org_on_first_start:
        _first_start(settings, f"http://{host}:{port}")
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False,
                proxy_headers=True, server_header=False)


def _first_start(settings: Settings, url: str) -> None:
    async def work(session: AsyncSession) -> tuple[Organization, str] | None:
        if await session.scalar(select(func.count()).select_from(Organization)):
            return None
        return await service.create_org(session, "Demo organization")

    made = in_session(settings, work)
    if made is not None:
        org, token = made
        click.echo(f"Created organization {org.name} ({org.id}).")
        click.echo(f"Its admin API key, shown only now: {token}")
    click.echo(f"API docs: {url}/schema/swagger  (OpenAPI JSON at {url}/schema/openapi.json)")
    click.echo(f"Health: {url}/health   Readiness: {url}/ready   Metrics: {url}/metrics")
    click.echo(f"Webhook portal: {url}/portal  (sign in with an API key)")


@main.command()
def worker() -> None:
    """Relay events, deliver webhooks and run jobs without serving the API; run as many as needed."""
    from hub.process import run_worker

    settings = settings_or_exit()
    asyncio.run(migrate(settings))
    from hub.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings))


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    asyncio.run(migrate(settings_or_exit()))
    click.echo("Database is up to date.")


@main.group()
def org() -> None:
    """Organizations."""


@org.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"org_id": …, "api_key": …}.')
def org_create(name: str, as_json: bool) -> None:
    """Create an organization and print its id and an admin API key."""
    settings = settings_or_exit()
    asyncio.run(migrate(settings))
    org, token = in_session(settings, lambda s: service.create_org(s, name))
    print_result({"org_id": org.id, "api_key": token}, as_json,
           f"Organization {name}: {org.id}\nAdmin API key (shown only now): {token}")


@main.group()
def key() -> None:
    """API keys."""


@key.command("create")
@click.argument("org_id")
@click.option("--name", default="cli", show_default=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), default=("read", "write"),
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
def key_create(org_id: str, name: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Create an API key for an organization."""

    async def work(session: AsyncSession) -> tuple[Any, str]:
        if await session.get(Organization, org_id) is None:
            raise click.ClickException(f"No organization {org_id}.")
        return await service.create_key(session, org_id, name, list(scopes))

    made, token = in_session(settings_or_exit(), work)
    print_result({"id": made.id, "prefix": made.prefix, "scopes": made.scopes, "api_key": token}, as_json,
           f"API key {made.prefix} ({', '.join(made.scopes)}), shown only now: {token}")


@key.command("revoke")
@click.argument("org_id")
@click.argument("key")
def key_revoke(org_id: str, key: str) -> None:
    """Revoke a key by id or visible prefix."""
    revoked = in_session(settings_or_exit(), lambda s: service.revoke_key(s, org_id, key))
    click.echo(f"Revoked {revoked.prefix}.")


@main.command("demo-data")
@click.option("--org", "org_id", default=None, help="Fill this organization instead of making a new one.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same data every time.")
@click.option("--json", "as_json", is_flag=True)
def demo_data(org_id: str | None, seed: int, as_json: bool) -> None:
    """Create a realistic organization: reps, companies, contacts, leads, deals across stages, activities."""
    from hub.demo import populate

    settings = settings_or_exit()
    asyncio.run(migrate(settings))
    summary = in_session(settings, lambda s: populate(s, org_id=org_id, seed=seed))
    print_result(summary, as_json, "\n".join(f"{k}: {v}" for k, v in summary.items()))


@main.command("docs")
@click.option("--out", type=click.Path(file_okay=False), default="docs", show_default=True,
              help="The folder the generated pages go to.")
def docs(out: str) -> None:
    """Write the pages generated from the declarations: catalog.md, settings.md and modules.md."""
    from pathlib import Path

    from hub.app import MODULES
    from hub.catalog import build_catalog
    from hub.docs import write_docs

    written = write_docs(Path(out), MODULES, build_catalog(MODULES))
    click.echo("Wrote " + ", ".join(str(p) for p in written))


@main.command("catalog-docs")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
def catalog_docs(out: str | None) -> None:
    """Write the event and action catalog as Markdown."""
    from hub.catalog import build_catalog

    text = build_catalog().markdown()
    if out:
        with open(out, "w") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


def _add_module_commands() -> None:
    from hub.app import MODULES

    for module in MODULES:
        for command in module.commands:
            main.add_command(command)


_add_module_commands()

if __name__ == "__main__":
    sys.exit(main())
