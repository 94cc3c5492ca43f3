"""Organizations, their users and API keys: who is calling, and the keys an organization holds."""

from hub.module import Module
from hub.tenancy.endpoints import ApiKeyController, me
from hub.tenancy.models import ApiKey, Organization, User

__all__ = ["MODULE"]

MODULE = Module(
    name="tenancy",
    description="Organizations, users and API keys: every other module's rows belong to one organization.",
    models=(Organization, User, ApiKey),
    routes=(me, ApiKeyController),
)
