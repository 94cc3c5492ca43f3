"""The webhook portal: endpoints with their health, the message log with every attempt, and the event catalog,
as pages of the hub under `/portal` (`hub.web`). These are the pages a portal link opens."""

from pathlib import Path

from hub.module import NavItem
from webhooks.portal._endpoint_pages import EndpointPages
from webhooks.portal._message_pages import MessagePages, catalog_page

__all__ = ["NAV", "PAGES", "TEMPLATES"]

PAGES = (EndpointPages, MessagePages, catalog_page)
NAV = (NavItem("Endpoints", "/portal/endpoints", links=True), NavItem("Messages", "/portal/messages", links=True),
       NavItem("Event catalog", "/portal/catalog", links=True))
TEMPLATES = Path(__file__).parent / "templates"
