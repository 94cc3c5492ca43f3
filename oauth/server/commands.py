"""`hub oauth-client create|revoke`: the apps that may connect to the hub with OAuth 2 (Zapier, Make)."""

from __future__ import annotations

import asyncio

import click

from hub.commands import in_session, print_result, settings_or_exit
from hub.migrate import migrate
from hub.tenancy.auth import SCOPES
from oauth.server.service import create_client, revoke_client

__all__ = ["oauth_client"]


@click.group("oauth-client")
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
def create(name: str, redirect_uris: tuple[str, ...], public: bool, scopes: tuple[str, ...], as_json: bool) -> None:
    """Register an OAuth client; prints its client_id and, unless public, its secret (shown only now)."""
    settings = settings_or_exit()
    asyncio.run(migrate(settings))
    client, secret = in_session(settings, lambda s: create_client(s, name, list(redirect_uris), public=public,
                                                                    scopes=list(scopes)))
    print_result({"client_id": client.id, "client_secret": secret, "redirect_uris": client.redirect_uris,
                  "scopes": client.scopes}, as_json,
                 f"OAuth client {client.name}: client_id {client.id}\n"
                 + (f"Client secret (shown only now): {secret}" if secret else "Public client: no secret; PKCE S256."))


@oauth_client.command("revoke")
@click.argument("client_id")
def revoke(client_id: str) -> None:
    """Revoke a client and every token issued to it."""
    revoked = in_session(settings_or_exit(), lambda s: revoke_client(s, client_id))
    click.echo(f"Revoked {revoked.id} ({revoked.name}).")
