"""The hub's server-rendered pages: sign-in with an API key or a portal link, the layout and look every
module's pages share, and the guard and error pages around them.

A module adds pages through `Module.pages` (mounted under `/portal`), its templates through
`Module.templates` (each extends `hub/base.html` and may import `hub/_macros.html`) and its place in the
navigation through `Module.nav`. A page handler takes `viewer: NamedDependency[Viewer]` (every query is
scoped by `viewer.principal`) and answers `page("<prefix>/<file>.html", viewer, ...)`.
"""

from hub.web._access import create_portal_link
from hub.web._auth import Viewer
from hub.web._render import SECURITY_HEADERS, asset_url, page, template_config
from hub.web._router import pages_router

__all__ = ["SECURITY_HEADERS", "Viewer", "asset_url", "create_portal_link", "page", "pages_router",
           "template_config"]
