"""`hub make export`: write the Make custom app generated from the catalog."""

from __future__ import annotations

import click

from connectors.zapier.commands import app_export_options, export_app

__all__ = ["make"]


@click.group()
def make() -> None:
    """The Make custom app of the hub; see docs/zapier-make.md."""


@make.command("export")
@app_export_options
def make_export(out: str, auth: str, base_url: str | None) -> None:
    """Write the Make custom app (Make Apps SDK local layout) generated from the catalog into OUT."""
    from connectors.make.export import export

    export_app(export, out, auth, base_url)
