"""The `hub` command: serve, migrate, organizations, keys and demo data."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, Awaitable, Callable, TypeVar

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import create_engine, session_factory
from hub.errors import HubError
from hub.migrate import migrate
from hub.settings import Settings, SettingsError, load_settings
from hub.tenancy import service
from hub.tenancy.auth import SCOPES
from hub.tenancy.models import Organization

__all__ = ["main"]

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
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

    settings = _settings()
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

    made = _in_session(settings, work)
    if made is not None:
        org, token = made
        click.echo(f"Created organization {org.name} ({org.id}).")
        click.echo(f"Its admin API key, shown only now: {token}")
    click.echo(f"API docs: {url}/schema/swagger  (OpenAPI JSON at {url}/schema/openapi.json)")
    click.echo(f"Health: {url}/health   Readiness: {url}/ready   Metrics: {url}/metrics")
    click.echo(f"Webhook portal: {url}/portal  (sign in with an API key)")


@main.command()
def worker() -> None:
    """Deliver webhooks (relay and worker) without serving the API; run as many as needed."""
    from webhooks.process import run_worker

    settings = _settings()
    asyncio.run(migrate(settings))
    from hub.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings))


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    asyncio.run(migrate(_settings()))
    click.echo("Database is up to date.")


@main.group()
def org() -> None:
    """Organizations."""


@org.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"org_id": …, "api_key": …}.')
def org_create(name: str, as_json: bool) -> None:
    """Create an organization and print its id and an admin API key."""
    settings = _settings()
    asyncio.run(migrate(settings))
    org, token = _in_session(settings, lambda s: service.create_org(s, name))
    _print({"org_id": org.id, "api_key": token}, as_json,
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

    made, token = _in_session(_settings(), work)
    _print({"id": made.id, "prefix": made.prefix, "scopes": made.scopes, "api_key": token}, as_json,
           f"API key {made.prefix} ({', '.join(made.scopes)}), shown only now: {token}")


@key.command("revoke")
@click.argument("org_id")
@click.argument("key")
def key_revoke(org_id: str, key: str) -> None:
    """Revoke a key by id or visible prefix."""
    revoked = _in_session(_settings(), lambda s: service.revoke_key(s, org_id, key))
    click.echo(f"Revoked {revoked.prefix}.")


@main.group("oauth-client")
def oauth_client() -> None:
    """Apps that connect to the hub with OAuth (Zapier, Make); see docs/oauth-provider.md."""


@oauth_client.command("create")
@click.option("--name", required=True, help="Shown on the consent page.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True,
              help="Where the app receives codes; repeat for several. Matched exactly.")
@click.option("--public", is_flag=True, help="A client without a secret (it must use PKCE).")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), default=("read", "write"),
              show_default=True, help="What the app may ask for.")
@click.option("--json", "as_json", is_flag=True)
def oauth_client_create(name: str, redirect_uris: tuple[str, ...], public: bool, scopes: tuple[str, ...],
                        as_json: bool) -> None:
    """Register an OAuth client; prints its client_id and, unless public, its secret (shown only now)."""
    from oauth.server.service import create_client

    settings = _settings()
    asyncio.run(migrate(settings))
    client, secret = _in_session(settings, lambda s: create_client(s, name, list(redirect_uris), public=public,
                                                                     scopes=list(scopes)))
    _print({"client_id": client.id, "client_secret": secret, "redirect_uris": client.redirect_uris,
            "scopes": client.scopes}, as_json,
           f"OAuth client {client.name}: client_id {client.id}\n"
           + (f"Client secret (shown only now): {secret}" if secret else "Public client: no secret; PKCE S256."))


@oauth_client.command("revoke")
@click.argument("client_id")
def oauth_client_revoke(client_id: str) -> None:
    """Revoke a client and every token issued to it."""
    from oauth.server.service import revoke_client

    revoked = _in_session(_settings(), lambda s: revoke_client(s, client_id))
    click.echo(f"Revoked {revoked.id} ({revoked.name}).")


@main.command("demo-data")
@click.option("--org", "org_id", default=None, help="Fill this organization instead of making a new one.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same data every time.")
@click.option("--json", "as_json", is_flag=True)
def demo_data(org_id: str | None, seed: int, as_json: bool) -> None:
    """Create a realistic organization: reps, companies, contacts, leads, deals across stages, activities."""
    from hub.demo import populate

    settings = _settings()
    asyncio.run(migrate(settings))
    summary = _in_session(settings, lambda s: populate(s, org_id=org_id, seed=seed))
    _print(summary, as_json, "\n".join(f"{k}: {v}" for k, v in summary.items()))


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


def _app_export_options(command: Callable[..., None]) -> Callable[..., None]:
    """`DIR`, `--auth` and `--base-url`, shared by the Zapier and Make exports."""
    command = click.option("--base-url", default=None,
                           help="The hub the app calls; HUB_PUBLIC_URL when not given.")(command)
    command = click.option("--auth", type=click.Choice(["api_key", "oauth2"]), default="api_key",
                           show_default=True, help="How customers connect: an API key, or OAuth 2.")(command)
    return click.argument("out", type=click.Path(file_okay=False))(command)


def _export_app(kind: str, out: str, auth: str, base_url: str | None, **options: Any) -> None:
    from pathlib import Path

    from hub.catalog import build_catalog

    if kind == "zapier":
        from connectors.zapier.export import export
    else:
        from connectors.make.export import export
    try:
        written = export(build_catalog(), Path(out), base_url=base_url or _settings().public_url, auth=auth,
                         **options)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {len(written)} files to {out}: " + ", ".join(sorted(
        str(p.relative_to(out)) for p in written if p.parent == Path(out))))


@main.group()
def zapier() -> None:
    """The Zapier app of the hub; see docs/zapier-make.md."""


@zapier.command("export")
@_app_export_options
@click.option("--app-version", default=None, help="The app's version (x.y.z); the hub's version if not given.")
def zapier_export(out: str, auth: str, base_url: str | None, app_version: str | None) -> None:
    """Write the Zapier CLI app (zapier-platform-core) generated from the catalog into OUT."""
    _export_app("zapier", out, auth, base_url, version=app_version)


@main.group()
def make() -> None:
    """The Make custom app of the hub; see docs/zapier-make.md."""


@make.command("export")
@_app_export_options
def make_export(out: str, auth: str, base_url: str | None) -> None:
    """Write the Make custom app (Make Apps SDK local layout) generated from the catalog into OUT."""
    _export_app("make", out, auth, base_url)


def _print(payload: dict[str, Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(payload) if as_json else text)


if __name__ == "__main__":
    sys.exit(main())
