"""The webhook portal: the delivery log and endpoint management as server-rendered pages under `/portal`.

`portal_router()` serves the pages, `template_config()` their templates, and `create_portal_link` is the
JSON API (`POST /v1/portal_links`) through which an admin key mints a link for one organization.
`asset_url(name)` addresses the portal's stylesheet and script, for other pages that share its look.
"""

from webhooks.portal._access import create_portal_link
from webhooks.portal._render import asset_url, template_config
from webhooks.portal._router import portal_router

__all__ = ["asset_url", "create_portal_link", "portal_router", "template_config"]
