"""OAuth tables: one connection per organization and provider, and the authorizations under way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime, utcnow

__all__ = ["AuthorizationRequest", "Connection", "STATES"]

STATES = ("connected", "expired", "revoked")
LIVE = text("state != 'revoked'")


class Connection(RecordMixin, Base):
    """An organization's grant at a provider; tokens are AES-GCM sealed under `oauth-token:<id>`."""

    __tablename__ = "oauth_connections"
    # A revoked connection stays as history; at most one other per organization and provider.
    __extra_args__ = (Index("uq_oauth_connections_live", "org_id", "provider", unique=True,
                            postgresql_where=LIVE, sqlite_where=LIVE),)

    provider: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="connected")
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    external_account_id: Mapped[str | None] = mapped_column(String(200))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0)


class AuthorizationRequest(Base):
    """A consent screen we sent someone to; found again by the SHA-256 of its `state`, used once."""

    __tablename__ = "oauth_authorizations"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    verifier_enc: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
