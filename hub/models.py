"""Every table of the hub, imported in one place for Alembic and the tests."""

from connectors.accounting.models import SyncEntry, SyncLink
from connectors.resthooks.models import Hook
from connectors.slack.models import Installation, InstallRequest, Rule
from connectors.twilio.models import Call, Telephony
from hub.db import Base
from hub.events.models import Event, IdempotencyRecord
from hub.jobs.models import JobRow
from hub.records.models import Activity, Company, Contact, CustomField, Deal, Lead, LineItem, Pipeline, Product
from hub.tenancy.models import ApiKey, Organization, User
from oauth.models import AuthorizationRequest, Connection
from oauth.server.models import AuthorizationCode, OAuthClient, OAuthToken
from webhooks.models import Attempt, Endpoint, EndpointSecret, Message

__all__ = ["Activity", "ApiKey", "Attempt", "AuthorizationCode", "AuthorizationRequest", "Base", "Call",
           "Company", "Connection", "Contact", "CustomField", "Deal", "Endpoint", "EndpointSecret", "Event", "Hook",
           "IdempotencyRecord", "InstallRequest", "Installation", "JobRow", "Lead", "LineItem", "Message",
           "OAuthClient", "OAuthToken", "Organization", "Pipeline", "Product", "Rule", "SyncEntry", "SyncLink",
           "Telephony", "User"]
