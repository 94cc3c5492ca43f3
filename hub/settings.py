"""The one place that reads the environment: the hub's own `HUB_<NAME>` settings, and each module's
`HUB_<PREFIX>_<NAME>` settings in the struct the module declares (`ModuleSettings`)."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import msgspec

from hub.net.ssrf import Policy
from hub.retry import RetryPolicy

__all__ = ["HttpUrl", "ModuleSettings", "Settings", "SettingsError", "doc", "load_settings"]

PREFIX = "HUB_"
S = TypeVar("S", bound="ModuleSettings")
# A service's base URL: the real one by default, a loopback stand-in in tests.
HttpUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$")]


def doc(text: str, **constraints: Any) -> msgspec.Meta:
    """A setting's sentence in the settings reference (`Annotated[int, doc("…")]`), and its constraints."""
    return msgspec.Meta(description=text, **constraints)


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class ModuleSettings(msgspec.Struct, kw_only=True, frozen=True):
    """A module's own settings: each field is read from `HUB_<prefix>_<field>`, converted and constrained by
    its type (`Annotated[float, Meta(gt=0)]`…), and then `check` refuses combinations that make no sense."""

    prefix: ClassVar[str] = ""

    def check(self) -> None:
        """Raise `SettingsError` naming the variable (`self.var(name)`) when the values do not fit together."""

    @classmethod
    def var(cls, name: str) -> str:
        """The environment variable of field `name`."""
        return f"{PREFIX}{cls.prefix}_{name}".upper()


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Runtime configuration of every hub process: the hub's own settings, and each module's in `sections`."""

    data_dir: Annotated[str, doc("Where the embedded SQLite file and its generated secret live.")] = "var"
    database_url: Annotated[str, doc(
        "`sqlite+aiosqlite:///…` or `postgresql+asyncpg://…` (`postgresql://` is accepted); empty: the SQLite "
        "file in the data folder.")] = ""
    broker_url: Annotated[str, doc(
        "`amqp://…` to deliver webhooks through RabbitMQ; empty: the in-process queue.")] = ""
    broker_queue_prefix: Annotated[str, doc(
        "Names of the RabbitMQ queues (`<prefix>.deliveries`, `<prefix>.delay.<n>s`); hubs sharing a broker keep "
        "apart by it.")] = "hub.webhooks"
    serve_delivers: Annotated[bool, doc(
        "`false`: `hub serve` answers the API and relays events but leaves deliveries and jobs to `hub worker` "
        "processes.")] = True
    secret_key: Annotated[str, doc(
        "Base64 of 32 bytes, for encryption at rest; several comma-separated keys during a rotation, current "
        "first. Generated beside the SQLite file; required on PostgreSQL.")] = ""
    public_url: Annotated[str, doc(
        "The address others reach the hub at (callbacks, links, the apps' base URL).")] = "http://127.0.0.1:8000"
    host: Annotated[str, doc("Where `hub serve` listens.")] = "127.0.0.1"
    port: Annotated[int, doc("Where `hub serve` listens.")] = 8000
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], doc("The lowest level logged.")] = "INFO"
    log_format: Annotated[Literal["json", "console"], doc(
        "One JSON object per line, or lines for a person.")] = "json"
    max_request_bytes: Annotated[int, doc("A larger request body is answered 413.")] = 1_048_576
    rate_limit_per_minute: Annotated[int, doc(
        "Requests per API key per minute; past it (and the burst) 429 with `Retry-After`.")] = 600
    rate_limit_burst: Annotated[int, doc("Requests an API key may make at once above its steady rate.")] = 100
    max_json_depth: Annotated[int, doc(
        "Arrays and objects a request body may nest; deeper is answered 400 before it is decoded.")] = 64
    anonymous_rate_limit_per_minute: Annotated[int, doc(
        "Requests per client address per minute answered 401 (no valid credential) or refused for their nesting; "
        "past it (and the burst) every request from the address is answered 429 with `Retry-After`.")] = 120
    anonymous_rate_limit_burst: Annotated[int, doc(
        "Such refused requests an address may make at once above the steady rate.")] = 60
    idempotency_ttl_hours: Annotated[int, doc("How long an `Idempotency-Key` answer is kept and replayed.")] = 24
    key_cache_seconds: Annotated[float, doc(
        "How long a process trusts a verified key without reading it again; a key revoked through another process "
        "stops working within this time.")] = 5.0
    db_pool_size: Annotated[int, doc("PostgreSQL connections per process (and as many overflow).")] = 10
    relay_interval_seconds: Annotated[float, doc(
        "The outbox relay's poll interval; a commit that wrote events wakes it at once.")] = 1.0
    demo_org_on_first_start: Annotated[bool, doc("`hub serve` makes a demo organization when there is none.")] = True
    job_retry_schedule: Annotated[str, doc(
        "Seconds before each attempt of a job; about four days in all, then the job has failed."
    )] = "0,10,60,300,1800,3600,7200,14400,28800,43200,86400,86400"
    job_concurrency: Annotated[int, doc("Jobs one process runs at once.")] = 16
    job_lease_seconds: Annotated[float, doc(
        "How long a process holds a job it took; a run is cut off before its lease lapses.")] = 120.0
    job_poll_seconds: Annotated[float, doc(
        "How often a process looks for jobs other processes wrote or that came due.")] = 1.0
    http_timeout: Annotated[float, doc(
        "Seconds for one request of a module's HTTP client to an outside service.")] = 15.0
    allowed_hosts: Annotated[str, doc(
        "Hosts, addresses or networks that URLs users supply (pages to read; webhooks have their own) may reach "
        "although internal.")] = ""
    strict_events: Annotated[bool, doc(
        "An event emitted undeclared, or with a payload that does not fit its declaration, raises instead of "
        "being logged: on in tests, so such a mistake fails there and never costs an event in production.")] = False
    sections: dict[str, Any] = msgspec.field(default_factory=dict)

    def of(self, kind: type[S]) -> S:
        """The settings of the module that declared `kind`."""
        found = self.sections.get(kind.prefix)
        if not isinstance(found, kind):
            raise SettingsError(f"No settings {kind.__name__} were loaded; is its module in the tuple of modules?")
        return found

    def to_environ(self) -> dict[str, str]:
        """Every setting as the `HUB_*` variable that sets it: what a process started from this one is given."""
        out = {}
        for section in (self, *self.sections.values()):
            prefix = f"{section.prefix}_" if isinstance(section, ModuleSettings) else ""
            for field in msgspec.structs.fields(section):
                value = getattr(section, field.name)
                if field.name != "sections":
                    out[f"{PREFIX}{prefix}{field.name}".upper()] = str(value).lower() if isinstance(value, bool) \
                        else str(value)
        return out

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_keys(self) -> list[bytes]:
        """Encryption keys, current first; older ones still decrypt during a rotation."""
        return [_decode_key(k) for k in self.secret_key.split(",")]


def load_settings(environ: Mapping[str, str] | None = None, *,
                  sections: Iterable[type[ModuleSettings]] | None = None, **overrides: object) -> Settings:
    """Build settings from `HUB_*` variables and `overrides` (named as the variable without `HUB_`, in lower
    case); refuse with a message naming the bad one. `sections` are the modules' settings structs, those of
    the hub's tuple of modules unless given."""
    env = os.environ if environ is None else environ
    if sections is None:
        from hub.app import MODULES  # the tuple of modules: the one place the hub names what it is made of

        sections = [m.settings for m in MODULES if m.settings is not None]
    remaining = dict(overrides)
    base = _read(Settings, "", env, remaining, exclude={"sections"})
    loaded: dict[str, Any] = {}
    for kind in sections:
        if kind.prefix in loaded:
            raise SettingsError(f"Two modules read settings under HUB_{kind.prefix.upper()}_")
        loaded[kind.prefix] = section = _read(kind, f"{kind.prefix}_", env, remaining)
        section.check()
    if remaining:
        raise SettingsError(f"Unknown settings: {', '.join(PREFIX + k.upper() for k in sorted(remaining))}")
    return _complete(msgspec.structs.replace(base, sections=loaded))


def _read(kind: type[Any], prefix: str, env: Mapping[str, str], overrides: dict[str, object],
          exclude: set[str] = frozenset()) -> Any:  # type: ignore[assignment]
    """One struct from its variables: converted and constrained by msgspec, an error naming the variable."""
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(kind):
        if field.name in exclude:
            continue
        name = prefix + field.name
        if (value := env.get(PREFIX + name.upper())) is not None:
            raw[field.name] = value
        if name in overrides:
            raw[field.name] = overrides.pop(name)
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        found = re.search(r"at `\$\.(\w+)|missing required field `(\w+)`", text)
        field = (found.group(1) or found.group(2)) if found else ""
        raise SettingsError(f"{PREFIX}{(prefix + field).upper()} is invalid: {text.split(' - at ')[0]}") from None


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise SettingsError("HUB_SECRET_KEY must be base64 of 32 bytes (comma-separated for rotation)")
    if len(raw) != 32:
        raise SettingsError("HUB_SECRET_KEY must be base64 of 32 bytes (comma-separated for rotation)")
    return raw


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
    for name in ("port", "max_request_bytes", "rate_limit_per_minute", "rate_limit_burst", "http_timeout",
                 "max_json_depth", "anonymous_rate_limit_per_minute", "anonymous_rate_limit_burst"):
        if getattr(s, name) <= 0:
            raise SettingsError(f"{PREFIX}{name.upper()} must be positive")
    try:
        RetryPolicy.parse(s.job_retry_schedule)
    except ValueError as exc:
        raise SettingsError(f"HUB_JOB_RETRY_SCHEDULE is invalid: {exc}") from None
    try:
        Policy.parse(s.allowed_hosts)
    except ValueError as exc:
        raise SettingsError(f"HUB_ALLOWED_HOSTS is invalid: {exc}") from None
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
