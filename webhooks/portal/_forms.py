"""Form input: read what was typed, check it with the API's own schemas, and say what is wrong, per field.

A refused form is shown again with every value as typed and a message next to each field at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import msgspec

from hub.errors import HubError
from webhooks.models import Endpoint
from webhooks.portal._queries import LogFilter
from webhooks.schemas import EndpointIn, EndpointPatch

__all__ = ["EndpointForm", "FilterForm", "endpoint_form", "parse_filters", "parse_time", "refused"]

STATUSES = ("pending", "succeeded", "failed")
# Kinder words than a schema error for each field; they say what is accepted.
HINTS = {
    "url": "Enter an http or https URL of at most 2048 characters.",
    "description": "Use at most 500 characters.",
    "event_types": "Pick event types from the catalog.",
    "headers": "Write one header per line as Name: value; names use letters, digits and -, values fit on one "
               "line (2000 characters at most); 20 headers at most.",
    "rate_limit": "Enter a whole number of deliveries per second from 1 to 10000, or leave it empty for no limit.",
    "max_concurrency": "Enter a whole number from 1 to 100.",
    "state": "Choose enabled or paused.",
}
_PATH = re.compile(r"`\$\.(\w+)")


@dataclass
class EndpointForm:
    """An endpoint form as the person filled it in, and what is wrong with it."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointForm:
        return cls({"url": endpoint.url, "description": endpoint.description or "",
                    "event_types": list(endpoint.event_types), "headers": "", "clear_headers": False,
                    "rate_limit": "" if endpoint.rate_limit is None else str(endpoint.rate_limit),
                    "max_concurrency": str(endpoint.max_concurrency), "ordered": endpoint.ordered,
                    "state": endpoint.state, "version": str(endpoint.version)})

    @classmethod
    def blank(cls) -> EndpointForm:
        return cls({"url": "", "description": "", "event_types": [], "headers": "", "clear_headers": False,
                    "rate_limit": "", "max_concurrency": "10", "ordered": False, "state": "enabled", "version": ""})


def endpoint_form(form: Any, creating: bool) -> tuple[EndpointForm, EndpointIn | EndpointPatch | None]:
    """The typed values, and the schema object when they pass the API's rules."""
    values = {name: str(form.get(name, "")).strip() for name in
              ("url", "description", "headers", "rate_limit", "max_concurrency", "state", "version")}
    values |= {"event_types": [str(v) for v in form.getall("event_types", [])],
               "ordered": form.get("ordered") == "on", "clear_headers": form.get("clear_headers") == "on"}
    out = EndpointForm(values)
    raw: dict[str, Any] = {"url": values["url"], "description": values["description"] or None,
                           "event_types": values["event_types"], "ordered": values["ordered"]}
    for name in ("rate_limit", "max_concurrency"):
        if values[name] and not re.fullmatch(r"\d{1,9}", values[name]):
            out.errors[name] = HINTS[name]
        elif values[name] or name == "rate_limit":
            raw[name] = int(values[name]) if values[name] else None
    headers = _headers(values["headers"], out)
    if headers is not None:
        raw["headers"] = headers
    elif values["clear_headers"] or creating:
        raw["headers"] = {}
    if creating:
        raw["state"] = values["state"] or "enabled"
    if out.errors:
        return out, None
    try:
        return out, msgspec.convert(raw, EndpointIn if creating else EndpointPatch)
    except msgspec.ValidationError as exc:
        name = (m.group(1) if (m := _PATH.search(str(exc))) else "")
        out.errors[name or "form"] = HINTS.get(name, str(exc))
        out.problem = "" if name else str(exc)
        return out, None


def _headers(text: str, out: EndpointForm) -> dict[str, str] | None:
    if not text:
        return None
    headers: dict[str, str] = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            out.errors["headers"] = HINTS["headers"]
            return None
        headers[name.strip()] = value.strip()
    return headers


def refused(out: EndpointForm | FilterForm, exc: HubError) -> None:
    """Put a refusal from the service next to the fields it names, or above the form when it names none."""
    named = [e for e in exc.errors or [] if e.get("field") in HINTS]
    for error in named:
        out.errors.setdefault(error["field"], f"{error['message'][:1].upper()}{error['message'][1:]}.")
    if not named:
        if "headers" in exc.detail.lower():
            out.errors["headers"] = exc.detail
        else:
            out.problem = exc.detail


@dataclass
class FilterForm:
    """The message log's filters as typed, the filter they make, and what is wrong with them."""

    values: dict[str, str]
    filter: LogFilter
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def parse_filters(query: Mapping[str, str]) -> FilterForm:
    values = {name: (query.get(name) or "").strip() for name in
              ("event_type", "endpoint_id", "status", "since", "until", "id")}
    errors: dict[str, str] = {}
    if values["event_type"] and not re.fullmatch(r"[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*)", values["event_type"]):
        errors["event_type"] = "Enter an event type such as contact.created, or contact.* for every contact event."
    if values["status"] and values["status"] not in STATUSES:
        errors["status"] = "Choose pending, succeeded or failed."
    times: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            times[name] = parse_time(values[name])
        except ValueError:
            errors[name] = "Enter a date and time such as 2026-01-15T10:30 (UTC)."
    if not errors and times["since"] and times["until"] and times["since"] >= times["until"]:
        errors["until"] = "The end of the period must come after its start."
    log_filter = LogFilter(values["event_type"], values["endpoint_id"], values["status"], times.get("since"),
                           times.get("until"), values["id"]) if not errors else LogFilter()
    return FilterForm(values, log_filter, errors)


def parse_time(text: str) -> datetime | None:
    """A date and time as a `datetime-local` field sends it (taken as UTC), or ISO 8601 with an offset."""
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
