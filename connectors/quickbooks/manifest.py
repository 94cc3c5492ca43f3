"""The provider side of the QuickBooks Online connector: static facts, nothing per installation."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MANIFEST", "MINOR_VERSION", "PRODUCTION_URL", "SANDBOX_URL", "Manifest", "TriggerSpec"]

# https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features
PRODUCTION_URL = "https://quickbooks.api.intuit.com"
SANDBOX_URL = "https://sandbox-quickbooks.api.intuit.com"
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions
# 1–74 are served as 75 since 2025-08-01; pin it so answers do not shift under us.
MINOR_VERSION = 75


@dataclass(frozen=True)
class TriggerSpec:
    """One inbound trigger: how it fires and the captured sample that shows it."""

    key: str
    description: str
    fires: str  # "webhook" or "polling"
    entities: tuple[str, ...]
    fixtures: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """Key, auth, scopes, hosts, triggers and actions of one connector."""

    key: str
    name: str
    oauth_provider: str
    scopes: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    base_urls: dict[str, str]
    minor_version: int
    signature_header: str
    triggers: tuple[TriggerSpec, ...]
    actions: tuple[str, ...]


MANIFEST = Manifest(
    key="quickbooks",
    name="QuickBooks Online",
    oauth_provider="quickbooks",  # oauth/_providers.py; `realmId` on the callback names the company
    scopes=("com.intuit.quickbooks.accounting",),
    allowed_hosts=("quickbooks.api.intuit.com", "sandbox-quickbooks.api.intuit.com"),
    base_urls={"production": PRODUCTION_URL, "sandbox": SANDBOX_URL},
    minor_version=MINOR_VERSION,
    signature_header="intuit-signature",
    triggers=(
        TriggerSpec("quickbooks.entity_changed", "An invoice, customer or payment changed in a connected company.",
                    "webhook", ("Invoice", "Customer", "Payment"),
                    ("payment_created.legacy.json", "payment_created.cloudevents.json")),
    ),
    actions=("find_customers", "create_customer", "read_customer", "create_invoice", "read_invoice",
             "update_invoice", "read_payment"),
)
