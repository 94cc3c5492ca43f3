"""`hub zapier export` and `hub make export`: write the apps generated from the catalog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hub.catalog import build_catalog
from hub.commands import settings_or_exit

__all__ = ["app_export_options", "export_app", "zapier"]


def app_export_options(command: Callable[..., None]) -> Callable[..., None]:
    """`DIR`, `--auth` and `--base-url`, shared by the Zapier and Make exports."""
    command = click.option("--base-url", default=None,
                           help="The hub the app calls; HUB_PUBLIC_URL when not given.")(command)
    command = click.option("--auth", type=click.Choice(["api_key", "oauth2"]), default="api_key",
                           show_default=True, help="How customers connect: an API key, or OAuth 2.")(command)
    return click.argument("out", type=click.Path(file_okay=False))(command)


def export_app(export: Callable[..., list[Path]], out: str, auth: str, base_url: str | None,
               **options: Any) -> None:
    """Run one app's `export` into `out` and say what it wrote."""
    try:
        written = export(build_catalog(), Path(out), base_url=base_url or settings_or_exit().public_url, auth=auth,
                         **options)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {len(written)} files to {out}: " + ", ".join(sorted(
        str(p.relative_to(out)) for p in written if p.parent == Path(out))))


@click.group()
def zapier() -> None:
    """The Zapier app of the hub; see docs/zapier-make.md."""


@zapier.command("export")
@app_export_options
@click.option("--app-version", default=None, help="The app's version (x.y.z); the hub's version if not given.")
def zapier_export(out: str, auth: str, base_url: str | None, app_version: str | None) -> None:
    """Write the Zapier CLI app (zapier-platform-core) generated from the catalog into OUT."""
    from connectors.zapier.export import export

    export_app(export, out, auth, base_url, version=app_version)
