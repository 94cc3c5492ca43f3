"""Every table of the hub, imported in one place for Alembic and the tests."""

from hub.db import Base
from hub.events.models import Event, IdempotencyRecord
from hub.records.models import Activity, Company, Contact, CustomField, Deal, Lead, LineItem, Pipeline, Product
from hub.tenancy.models import ApiKey, Organization, User

__all__ = ["Activity", "ApiKey", "Base", "Company", "Contact", "CustomField", "Deal", "Event",
           "IdempotencyRecord", "Lead", "LineItem", "Organization", "Pipeline", "Product", "User"]
