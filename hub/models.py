"""Every table of the hub, imported in one place for Alembic and the tests."""

from hub.db import Base
from hub.events.models import Event, IdempotencyRecord
from hub.records.models import Activity, Company, Contact, CustomField, Deal, Lead, LineItem, Pipeline, Product
from hub.tenancy.models import ApiKey, Organization, User
from oauth.models import AuthorizationRequest, Connection
from hub.jobs.models import JobRow  # noqa: F401
from connectors.accounting.models import SyncEntry, SyncLink  # noqa: F401
from oauth.server.models import AuthorizationCode, OAuthClient, OAuthToken  # noqa: F401
from connectors.resthooks.models import Hook  # noqa: F401
from connectors.twilio.models import Call, Telephony  # noqa: F401
from connectors.slack.models import Installation, InstallRequest, Rule  # noqa: F401
from webhooks.models import Attempt, Endpoint, EndpointSecret, Message

__all__ = ["Activity", "ApiKey", "Attempt", "AuthorizationRequest", "Base", "Company", "Connection", "Contact", "CustomField", "Deal", "Endpoint", "EndpointSecret", "Event",
           "IdempotencyRecord", "Lead", "LineItem", "Message", "Organization", "Pipeline", "Product", "User"]
