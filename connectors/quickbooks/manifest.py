"""The provider side of the QuickBooks Online connector: static facts, nothing per installation."""

from __future__ import annotations

from connectors.manifest import Manifest, Operation
from oauth import Provider

__all__ = ["MANIFEST", "MINOR_VERSION", "OAUTH", "PRODUCTION_URL", "SANDBOX_URL"]

# https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features
PRODUCTION_URL = "https://quickbooks.api.intuit.com"
SANDBOX_URL = "https://sandbox-quickbooks.api.intuit.com"
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions
# 1–74 are served as 75 since 2025-08-01; pin it so answers do not shift under us.
MINOR_VERSION = 75


# https://developer.intuit.com/.well-known/openid_configuration/ : access tokens live 60 min, refresh tokens
# roll (always store the latest one returned); `realmId` on the callback names the company.
OAUTH = Provider(
    key="quickbooks", name="QuickBooks Online",
    authorize_url="https://appcenter.intuit.com/connect/oauth2",
    token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    revocation_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    scopes=("com.intuit.quickbooks.accounting",), account_param="realmId",
)

MANIFEST = Manifest(
    key="quickbooks",
    name="QuickBooks Online",
    oauth_provider="quickbooks",  # `realmId` on the callback names the company
    scopes=OAUTH.scopes,
    allowed_hosts=("quickbooks.api.intuit.com", "sandbox-quickbooks.api.intuit.com"),
    base_urls={"production": PRODUCTION_URL, "sandbox": SANDBOX_URL},
    signature_header="intuit-signature",
    triggers=(
        Operation("quickbooks.entity_changed", "Invoice, customer or payment changed",
                  "An invoice, customer or payment changed in a connected company.", fires="webhook",
                  samples=("payment_created.legacy.json", "payment_created.cloudevents.json")),
    ),
    actions=(
        Operation("quickbooks.customer.find", "Find customers", "Customers with a display name.",
                  call="find_customers"),
        Operation("quickbooks.customer.create", "Create customer", "A new customer.", call="create_customer"),
        Operation("quickbooks.customer.read", "Read customer", "One customer by id.", call="read_customer"),
        Operation("quickbooks.invoice.create", "Create invoice", "A new invoice.", call="create_invoice"),
        Operation("quickbooks.invoice.read", "Read invoice", "One invoice by id.", call="read_invoice"),
        Operation("quickbooks.invoice.update", "Update invoice", "A sparse update, with the SyncToken read.",
                  call="update_invoice"),
        Operation("quickbooks.payment.read", "Read payment", "One payment by id.", call="read_payment"),
    ),
)
