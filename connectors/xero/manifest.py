"""Xero's static facts: auth, scopes, hosts, endpoint paths, limits, triggers and actions."""

from __future__ import annotations

from connectors.manifest import Limits, Manifest, Operation
from oauth import Provider

__all__ = [
    "API_BASE",
    "CONNECTIONS",
    "CONTACTS",
    "IDEMPOTENCY_KEY_MAX",
    "INVOICES",
    "MANIFEST",
    "OAUTH",
    "SIGNATURE_HEADER",
    "TENANT_HEADER",
]

API_BASE = "https://api.xero.com"
# https://developer.xero.com/documentation/guides/oauth2/auth-flow#5-check-the-tenants-youre-authorized-to-access
CONNECTIONS = "/connections"
# https://developer.xero.com/documentation/api/accounting/contacts
CONTACTS = "/api.xro/2.0/Contacts"
# https://developer.xero.com/documentation/api/accounting/invoices
INVOICES = "/api.xro/2.0/Invoices"

# https://developer.xero.com/documentation/guides/oauth2/tenants : every accounting call names its organisation.
TENANT_HEADER = "xero-tenant-id"
# https://developer.xero.com/documentation/guides/webhooks/configuring-your-server
SIGNATURE_HEADER = "x-xero-signature"
# https://developer.xero.com/documentation/guides/idempotent-requests
IDEMPOTENCY_KEY_MAX = 128


# https://developer.xero.com/documentation/guides/oauth2/auth-flow : access tokens live 30 min; each refresh
# returns a new refresh token (the old one has a 30 min grace); `offline_access` is what grants refresh tokens.
OAUTH = Provider(
    key="xero", name="Xero",
    authorize_url="https://login.xero.com/identity/connect/authorize",
    token_url="https://identity.xero.com/connect/token",
    revocation_url="https://identity.xero.com/connect/revocation",
    # Granular scopes: new apps may no longer ask for `accounting.transactions`.
    scopes=("openid", "profile", "email", "offline_access", "accounting.invoices", "accounting.contacts"),
)

# https://developer.xero.com/faq/limits : per tenant 60/min, 5 concurrent, 5,000/day.
MANIFEST = Manifest(
    key="xero",
    name="Xero",
    oauth_provider="xero",
    scopes=OAUTH.scopes,
    allowed_hosts=("api.xero.com", "identity.xero.com"),
    base_urls={"production": API_BASE},
    signature_header=SIGNATURE_HEADER,
    limits=Limits(per_minute=60, concurrent=5, per_day=5000),
    triggers=(
        Operation("xero.invoice.updated", "Invoice changed in Xero",
                  "Xero reports an invoice was created or changed (for example paid).",
                  fires="webhook", samples=("invoice_updated.json",)),
    ),
    actions=(
        Operation("xero.contact.find", "Find contact", "Look a contact up by exact name or email.",
                  call="find_contact"),
        Operation("xero.contact.create", "Create contact", "Create a contact in the organisation.",
                  call="create_contact"),
        Operation("xero.invoice.create", "Create invoice", "Create a sales invoice (ACCREC).",
                  call="create_invoice"),
        Operation("xero.invoice.update", "Update invoice", "Change an invoice that is not yet paid.",
                  call="update_invoice"),
        Operation("xero.invoice.get", "Get invoice", "Read one invoice by its id.", call="get_invoice"),
    ),
)
