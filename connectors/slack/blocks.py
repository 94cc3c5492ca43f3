"""Block Kit rendering of CRM records and events: cards, their buttons, and what someone did with them.

Text from records is escaped (`&`, `<`, `>`), so a name can never turn into a mention or a link, and
cut to Slack's limits (header 150, section 3000, field 2000, button 75 characters).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.records.models import Pipeline
from hub.tenancy.models import User

__all__ = ["ASSIGN", "BUTTONS", "DONE_PREFIX", "LOG_CALL", "MARK_WON", "card", "done", "esc", "event_message",
           "lookups", "money", "record_line", "title_of"]

MARK_WON, ASSIGN, LOG_CALL = "crm_mark_won", "crm_assign_to_me", "crm_log_call"
BUTTONS = {"deal": (MARK_WON, ASSIGN, LOG_CALL), "lead": (ASSIGN, LOG_CALL), "contact": (ASSIGN, LOG_CALL),
           "company": (ASSIGN, LOG_CALL)}
_LABELS = {MARK_WON: "Mark won", ASSIGN: "Assign to me", LOG_CALL: "Log a call"}
DONE_PREFIX = "crm_done_"
Json = dict[str, Any]


def esc(value: Any, limit: int = 500) -> str:
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(amount: Any, currency: str | None = "USD") -> str:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return "—"
    shown = f"{value:,.2f}".removesuffix(".00")
    return f"{currency or ''} {shown}".strip()


def title_of(kind: str, record: Json) -> str:
    """What a person calls the record: a deal or company by name, a person by name or email."""
    if kind in ("deal", "company", "product", "pipeline"):
        return str(record.get("name") or record.get("id"))
    if kind == "activity":
        return str(record.get("subject") or f"{record.get('type', 'activity')}")
    person = " ".join(str(record[k]) for k in ("first_name", "last_name") if record.get(k))
    return person or str(record.get("email") or record.get("name") or record.get("id"))


async def lookups(session: AsyncSession, org_id: str, record: Json) -> Json:
    """The owner's name and the stage labels a card shows, read within the organization."""
    found: Json = {}
    if owner_id := record.get("owner_id"):
        found["owner"] = await session.scalar(select(User.name).where(User.id == owner_id,
                                                                      User.org_id == org_id))
    if pipeline_id := record.get("pipeline_id"):
        stages = await session.scalar(select(Pipeline.stages).where(Pipeline.id == pipeline_id,
                                                                    Pipeline.org_id == org_id)) or []
        labels = {st.get("key"): st.get("label") for st in stages}
        found["stage"] = labels.get(record.get("stage")) or record.get("stage")
        if record.get("previous_stage"):
            found["previous_stage"] = labels.get(record["previous_stage"]) or record["previous_stage"]
    return found


def _facts(kind: str, record: Json, names: Json) -> list[tuple[str, str]]:
    owner = esc(names.get("owner") or "unassigned")
    if kind == "deal":
        stage = esc(names.get("stage") or record.get("stage") or "—")
        if names.get("previous_stage"):
            stage = f"{esc(names['previous_stage'])} → {stage}"
        facts = [("Amount", money(record.get("amount"), record.get("currency"))), ("Stage", stage),
                 ("Status", esc(record.get("status", "open"))), ("Owner", owner)]
        if record.get("expected_close"):
            facts.append(("Expected close", esc(record["expected_close"])))
        return facts
    if kind in ("lead", "contact"):
        keys = ("email", "phone", "company_name", "title", "status", "source")
        return [(k.replace("_", " ").capitalize(), esc(record[k])) for k in keys if record.get(k)] + [
            ("Owner", owner)]
    if kind == "company":
        keys = ("domain", "industry", "city", "country")
        return [(k.capitalize(), esc(record[k])) for k in keys if record.get(k)] + [("Owner", owner)]
    scalars = [(k, v) for k, v in record.items() if isinstance(v, (str, int, float))
               and not isinstance(v, bool) and k not in ("id", "created_at", "updated_at", "version")]
    return [(k.replace("_", " ").capitalize(), esc(v, 200)) for k, v in scalars[:8]]


def _buttons(kind: str, record: Json) -> Json | None:
    ids = [a for a in BUTTONS.get(kind, ()) if not (a == MARK_WON and record.get("status", "open") != "open")]
    if not ids or not record.get("id"):
        return None
    value = f"{kind}:{record['id']}"
    elements = [{"type": "button", "action_id": a, "value": value,
                 "text": {"type": "plain_text", "text": _LABELS[a]},
                 **({"style": "primary"} if a == MARK_WON else {})} for a in ids]
    return {"type": "actions", "block_id": f"crm_actions_{record['id']}", "elements": elements}


def card(kind: str, record: Json, names: Json, *, buttons: bool = True) -> list[Json]:
    """A record as a section with its facts, and the buttons that act on it."""
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"}
              for label, value in _facts(kind, record, names)[:10]]
    title = {"type": "mrkdwn", "text": f"*{esc(title_of(kind, record))}*"}
    blocks: list[Json] = [{"type": "section", "text": title, **({"fields": fields} if fields else {})}]
    if buttons and (actions := _buttons(kind, record)):
        blocks.append(actions)
    return blocks


def done(text: str, block_id: str) -> Json:
    """A context line saying what someone did; earlier ones are kept when the message is updated again."""
    return {"type": "context", "block_id": block_id[:255],
            "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def record_line(kind: str, record: Json) -> str:
    """One line of a search result: the title, then what tells two records of that name apart."""
    extra = [record.get(k) for k in ("email", "company_name", "title", "domain", "status") if record.get(k)]
    tail = f" · {esc(' · '.join(str(x) for x in extra[:3]))}" if extra else ""
    return f"*{esc(title_of(kind, record))}*{tail}  `{esc(record.get('id', ''))}`"


def event_message(event_type: str, record: Json, names: Json, *, subject_type: str | None,
                  subject_id: str | None) -> tuple[str, list[Json]]:
    """The fallback text and the blocks of a notification about one event; buttons only when the event's
    data is the record it is about (a record's own events), so a button never names some other id."""
    noun, _, verb = event_type.partition(".")
    heading = f"{noun.replace('_', ' ').capitalize()} {verb.replace('_', ' ')}".strip()
    kind = subject_type or noun
    text = f"{heading}: {title_of(kind, record)}"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": text[:150]}},
              *card(kind, record, names, buttons=bool(subject_id) and record.get("id") == subject_id),
              {"type": "context", "elements": [{"type": "mrkdwn",
                                                 "text": f"`{esc(event_type)}` from the CRM"}]}]
    return esc(text, 3000), blocks
