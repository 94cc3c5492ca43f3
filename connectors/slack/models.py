"""Slack tables: the workspace an organization installed, the installs under way, and notification rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, JSONType, RecordMixin, UTCDateTime, utcnow

__all__ = ["HandledRequest", "INSTALLED", "InstallRequest", "Installation", "Rule"]

INSTALLED = text("state = 'installed'")


class Installation(RecordMixin, Base):
    """A workspace's grant to the hub; the bot token is AES-GCM sealed under `slack-bot-token:<id>`.

    While installed, a workspace belongs to exactly one organization and an organization to one workspace;
    uninstalled and revoked rows stay as history, without a token."""

    __tablename__ = "slack_installations"
    __extra_args__ = (
        Index("uq_slack_installations_team_live", "team_id", unique=True, postgresql_where=INSTALLED,
              sqlite_where=INSTALLED),
        Index("uq_slack_installations_org_live", "org_id", unique=True, postgresql_where=INSTALLED,
              sqlite_where=INSTALLED),
    )

    team_id: Mapped[str] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    app_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_token_enc: Mapped[str | None] = mapped_column(Text)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    installed_by: Mapped[str | None] = mapped_column(String(32))  # the Slack user id who approved it
    state: Mapped[str] = mapped_column(String(12), default="installed")  # installed, uninstalled, revoked
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(200))


class InstallRequest(Base):
    """An install page we sent an admin to; found again by the SHA-256 of its `state`, used once."""

    __tablename__ = "slack_install_requests"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HandledRequest(Base):
    """A signed request from Slack already handled, kept until its signature would be refused as stale; a
    replay within that window is found here, whichever process it reaches."""

    __tablename__ = "slack_handled_requests"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Rule(RecordMixin, Base):
    """Post events of one type that meet every condition to one channel of the organization's workspace."""

    __tablename__ = "slack_rules"
    __extra_args__ = (Index(None, "org_id", "event_type", "active"),)

    name: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    channel: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
