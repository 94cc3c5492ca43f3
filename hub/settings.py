"""The one place that reads the environment: every setting is `HUB_<NAME>`."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from pathlib import Path
from typing import Literal, Mapping

import msgspec

from webhooks.policy import RetryPolicy
from webhooks.ssrf import Policy

__all__ = ["Settings", "SettingsError", "load_settings"]

PREFIX = "HUB_"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Runtime configuration of every hub process."""

    data_dir: str = "var"
    database_url: str = ""
    broker_url: str = ""
    broker_queue_prefix: str = "hub.webhooks"
    serve_delivers: bool = True
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_request_bytes: int = 1_048_576
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100
    idempotency_ttl_hours: int = 24
    key_cache_seconds: float = 5.0
    db_pool_size: int = 10
    relay_interval_seconds: float = 1.0
    demo_org_on_first_start: bool = True
    webhook_allowed_hosts: str = ""
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    webhook_connect_timeout: float = 5.0
    webhook_timeout: float = 15.0
    webhook_disable_after_hours: float = 120.0
    webhook_secret_grace_hours: float = 24.0
    webhook_retention_days: float = 30.0
    webhook_max_payload_bytes: int = 262_144
    webhook_concurrency: int = 200
    webhook_lease_seconds: float = 60.0
    webhook_breaker_failures: int = 5
    webhook_breaker_cooldown_seconds: float = 30.0
    oauth_clients: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"
    twilio_api_url: str = "https://api.twilio.com"
    twilio_timeout: float = 15.0
    twilio_reconcile_seconds: float = 900.0
    quickbooks_api_url: str = "https://quickbooks.api.intuit.com"
    quickbooks_webhook_verifier: str = ""
    quickbooks_item_ref: str = "1"
    xero_api_url: str = "https://api.xero.com"
    xero_webhook_key: str = ""
    xero_account_code: str = "200"
    invoice_due_days: int = 30
    job_retry_schedule: str = "0,10,60,300,1800,3600,7200,14400,28800,43200,86400,86400"
    job_concurrency: int = 16
    job_lease_seconds: float = 120.0
    job_poll_seconds: float = 1.0

    @property
    def oauth_client_credentials(self) -> dict[str, dict[str, str]]:
        """`HUB_OAUTH_CLIENTS` as {provider: {"client_id", "client_secret"}}."""
        return _oauth_clients(self.oauth_clients)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_keys(self) -> list[bytes]:
        """Encryption keys, current first; older ones still decrypt during a rotation."""
        return [_decode_key(k) for k in self.secret_key.split(",")]


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise SettingsError("HUB_SECRET_KEY must be base64 of 32 bytes (comma-separated for rotation)")
    if len(raw) != 32:
        raise SettingsError("HUB_SECRET_KEY must be base64 of 32 bytes (comma-separated for rotation)")
    return raw


def _oauth_clients(text: str) -> dict[str, dict[str, str]]:
    try:
        return msgspec.json.decode(text or "{}", type=dict[str, dict[str, str]])
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise SettingsError('HUB_OAUTH_CLIENTS must be JSON: {"<provider>": {"client_id": …, "client_secret": …}}'
                            ) from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from `HUB_*` variables; refuse with a message naming the bad one."""
    env = os.environ if environ is None else environ
    fields = {f.name: f for f in msgspec.structs.fields(Settings)}
    raw: dict[str, object] = {}
    for name in fields:
        if (value := env.get(PREFIX + name.upper())) is not None:
            raw[name] = value
    raw.update(overrides)
    for name, value in list(raw.items()):
        try:
            raw[name] = msgspec.convert(value, fields[name].type, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"{PREFIX}{name.upper()} is invalid: {exc}") from None
    settings = Settings(**raw)  # type: ignore[arg-type]
    return _complete(settings)


def _complete(s: Settings) -> Settings:
    data_dir = Path(s.data_dir)
    changes: dict[str, object] = {}
    database_url = s.database_url
    if not database_url:
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite+aiosqlite:///{(data_dir / 'hub.db').resolve()}"
        changes["database_url"] = database_url
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://")):
        raise SettingsError("HUB_DATABASE_URL must be sqlite+aiosqlite://… or postgresql+asyncpg://…")
    if database_url.startswith("postgresql://"):
        changes["database_url"] = "postgresql+asyncpg://" + database_url.removeprefix("postgresql://")
    if s.broker_url and not s.broker_url.startswith(("amqp://", "amqps://")):
        raise SettingsError("HUB_BROKER_URL must be empty (embedded queue) or amqp://…")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", s.broker_queue_prefix):
        raise SettingsError("HUB_BROKER_QUEUE_PREFIX must be 1 to 100 letters, digits, dots, dashes or underscores")
    if not s.public_url.startswith(("http://", "https://")):
        raise SettingsError("HUB_PUBLIC_URL must be an http(s) URL")
    for name in ("port", "max_request_bytes", "rate_limit_per_minute", "rate_limit_burst"):
        if getattr(s, name) <= 0:
            raise SettingsError(f"{PREFIX}{name.upper()} must be positive")
    try:
        RetryPolicy.parse(s.webhook_retry_schedule)
    except ValueError as exc:
        raise SettingsError(f"HUB_WEBHOOK_RETRY_SCHEDULE is invalid: {exc}") from None
    if not s.slack_api_url.startswith(("http://", "https://")):
        raise SettingsError("HUB_SLACK_API_URL must be an http(s) URL, such as https://slack.com/api/")
    if len({bool(s.slack_client_id), bool(s.slack_client_secret), bool(s.slack_signing_secret)}) > 1:
        raise SettingsError("HUB_SLACK_CLIENT_ID, HUB_SLACK_CLIENT_SECRET and HUB_SLACK_SIGNING_SECRET "
                            "are set together")
    if not s.twilio_api_url.startswith(("http://", "https://")):
        raise SettingsError("HUB_TWILIO_API_URL must be an http(s) URL")
    if s.twilio_timeout <= 0 or s.twilio_reconcile_seconds <= 0:
        raise SettingsError("HUB_TWILIO_TIMEOUT and HUB_TWILIO_RECONCILE_SECONDS must be positive")
    for name in ("quickbooks_api_url", "xero_api_url"):
        if not getattr(s, name).startswith(("http://", "https://")):
            raise SettingsError(f"{PREFIX}{name.upper()} must be an http(s) URL")
    if not 0 <= s.invoice_due_days <= 3650:
        raise SettingsError("HUB_INVOICE_DUE_DAYS must be between 0 and 3650")
    try:
        RetryPolicy.parse(s.job_retry_schedule)
    except ValueError as exc:
        raise SettingsError(f"HUB_JOB_RETRY_SCHEDULE is invalid: {exc}") from None
    try:
        Policy.parse(s.webhook_allowed_hosts)
    except ValueError as exc:
        raise SettingsError(f"HUB_WEBHOOK_ALLOWED_HOSTS is invalid: {exc}") from None
    if s.webhook_lease_seconds <= s.webhook_timeout:
        raise SettingsError("HUB_WEBHOOK_LEASE_SECONDS must exceed HUB_WEBHOOK_TIMEOUT, or a slow attempt is sent twice")
    if any(set(c) != {"client_id", "client_secret"} for c in _oauth_clients(s.oauth_clients).values()):
        raise SettingsError("HUB_OAUTH_CLIENTS: each provider needs exactly client_id and client_secret")
    secret = s.secret_key or _embedded_secret(data_dir, database_url)
    changes["secret_key"] = secret
    settings = msgspec.structs.replace(s, **changes)
    settings.secret_keys  # validates the key material now, not on first use
    return settings


def _embedded_secret(data_dir: Path, database_url: str) -> str:
    """On the embedded default a key is made once beside the database; elsewhere it must be given."""
    if not database_url.startswith("sqlite"):
        raise SettingsError("HUB_SECRET_KEY is required when HUB_DATABASE_URL is not the embedded SQLite file")
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
