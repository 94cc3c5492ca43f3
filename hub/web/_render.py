"""The look of the hub's pages: the template environment and its helpers, the stylesheet and script, and the
headers every page carries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from hub.db import utcnow
from hub.module import NavItem
from hub.web._auth import Viewer
from hub.web.svg import PALETTE

__all__ = ["SECURITY_HEADERS", "asset", "asset_url", "page", "template_config"]

HERE = Path(__file__).parent
# No inline script or style anywhere, so the policy can forbid both; framing is refused (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
ASSET_TYPES = {"portal.css": "text/css", "portal.js": "text/javascript"}


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """A rough age, `3 min ago`; the exact time goes in the element's `datetime` attribute."""
    if value is None:
        return "never"
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %".replace(".0 %", " %")


def pretty(value: Any) -> str:
    """JSON (or a JSON text) indented for reading."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def query(base: str, **params: Any) -> str:
    """`base` with the non-empty parameters as a query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(kept)}" if kept else base


def local_input(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


@lru_cache(maxsize=1)
def _assets() -> dict[str, tuple[bytes, str]]:
    """The stylesheet and script, rendered once from their templates with the palette; named by content hash."""
    env = Environment(loader=FileSystemLoader(HERE / "assets"), autoescape=False, undefined=StrictUndefined)
    rendered = {name: env.get_template(f"{name}.j2").render(palette=PALETTE).encode() for name in ASSET_TYPES}
    return {name: (body, hashlib.sha256(body).hexdigest()[:12]) for name, body in rendered.items()}


def asset(name: str) -> tuple[bytes, str] | None:
    """An asset's bytes and media type, or None."""
    found = _assets().get(name)
    return (found[0], ASSET_TYPES[name]) if found else None


def asset_url(name: str) -> str:
    """The asset's address with its content hash, so a changed file is fetched anew."""
    return f"/portal/assets/{name}?v={_assets()[name][1]}"


def template_config(folders: Mapping[str, Path], nav: Sequence[NavItem]) -> TemplateConfig:
    """Templates are named `<prefix>/<file>`: the hub's own under `hub/` (its layout `hub/base.html` and
    `hub/_macros.html`), each module's under the prefixes it declares."""
    loaders = {"hub": FileSystemLoader(HERE / "templates"), **{k: FileSystemLoader(v) for k, v in folders.items()}}
    env = Environment(loader=PrefixLoader(loaders), autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(when=when, ago=ago, percent=percent, pretty=pretty, local_input=local_input)
    env.globals.update(asset_url=asset_url, query=query, palette=PALETTE, timedelta=timedelta, nav=tuple(nav))
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def page(name: str, viewer: Viewer | None, status: int = 200, *, notice: str = "", **context: Any) -> Template:
    """A page from template `name` (`<prefix>/<file>`); `notice` is a line of feedback shown above the content."""
    return Template(template_name=name, status_code=status,
                    context={"viewer": viewer, "notice": notice, "now": utcnow(), **context})
