"""Finding the checkable facts of a text: links, email addresses, money, dates, percentages, numbers and names.

The same scanner reads the draft and the context it was written from, so a fact is supported when the context
holds the same value in any spelling: `$48,000`, `48000 USD` and `48k` are one amount; `March 3`, `3rd of March`
and `2026-03-03` one day. Text inside square brackets is a placeholder and never scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from wordfreq import zipf_frequency

__all__ = ["Entity", "scan", "numbers_in"]

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s?(?:k|K|m|M|bn|million|thousand|billion))"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("link", re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]", re.I)),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("amount", re.compile(rf"[$€£]\s?(?:{_NUM}){_SCALE}?\b|\b(?:{_NUM}){_SCALE}?\s?(?:USD|EUR|GBP|dollars|euros)\b")),
    ("date", re.compile(rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
                        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}})?"
                        r"|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
                        r"|\b(?:January|February|March|April|June|July|August|September|October|November|December)"
                        r"\b(?:\s+\d{4})?")),
    ("percent", re.compile(rf"\b(?:{_NUM})\s?(?:%|percent\b)")),
    ("number", re.compile(rf"\b(?:{_NUM}){_SCALE}?\b")),
    ("name", re.compile(r"\b[A-Z][\w'’&-]*(?:[ \t]+(?:of[ \t]+|de[ \t]+|&[ \t]+)?[A-Z][\w'’&-]*)*")),
]
# Words that open or close a letter: capitalized by custom, never a claim about anyone.
_LETTER_WORDS = {"hi", "hello", "hey", "dear", "best", "regards", "thanks", "thank", "cheers", "sincerely", "warm",
                 "warmest", "kind", "i", "subject", "re", "fwd", "p.s", "ps"}
_COMMON = 4.0  # a sentence-initial word this frequent (wordfreq's Zipf scale) is taken as an ordinary word
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,60}\]")


@dataclass(frozen=True)
class Entity:
    """One checkable fact in a text: its kind, where it is, and the value it stands for."""

    kind: str
    start: int
    end: int
    text: str
    key: object


def scan(text: str) -> list[Entity]:
    """The checkable facts of `text`, in order, none overlapping (the more specific kind wins)."""
    masked = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)
    taken = bytearray(len(text))
    found: list[Entity] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(masked):
            if any(taken[match.start():match.end()]):
                continue
            for entity in _entities(kind, match, masked):
                taken[entity.start:entity.end] = b"\x01" * (entity.end - entity.start)
                found.append(entity)
    return sorted(found, key=lambda e: e.start)


def _entities(kind: str, match: re.Match[str], text: str) -> list[Entity]:
    if kind != "name":
        key = _key(kind, match.group())
        return [] if key is None else [Entity(kind, match.start(), match.end(), match.group(), key)]
    return _names(match, text)


def _names(match: re.Match[str], text: str) -> list[Entity]:
    """A run of capitalized words, less the words of a letter and an ordinary word opening a sentence."""
    words = [(m.start() + match.start(), m.group()) for m in re.finditer(r"[\w'’&-]+", match.group())]
    words = [(at, w) for at, w in words if w.lower().rstrip(".") not in _LETTER_WORDS and w[:1].isupper()]
    if words and _opens_sentence(text, words[0][0]) and _ordinary(*words[0], text):
        words = words[1:]
    if not words:
        return []
    start, end = words[0][0], words[-1][0] + len(words[-1][1])
    return [Entity("name", start, end, text[start:end], tuple(w.lower() for _, w in words))]


def _opens_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in ".!?:\n\"“(-—"


def _ordinary(at: int, word: str, text: str) -> bool:
    """A common word opening a sentence, unless it is alone on its line, as a name signing a letter is."""
    rest, before = text[at + len(word):].split("\n", 1)[0], text[:at].rsplit("\n", 1)[-1]
    alone = not before.strip() and not rest.strip(" \t,.")
    return not alone and zipf_frequency(word.lower(), "en") >= _COMMON


def _key(kind: str, raw: str) -> object:
    if kind in ("link", "email"):
        return re.sub(r"^(?:https?://)?(?:www\.)?", "", raw.lower()).rstrip("/")
    if kind == "date":
        return _date_key(raw)
    return _number(raw)


def _number(raw: str) -> Decimal | None:
    """The value of a written number: commas dropped, `k`, `m`, `bn` and their words multiplied out."""
    match = re.search(rf"({_NUM})\s?(k|m|bn|million|thousand|billion)?", raw, re.I)
    if match is None:
        return None
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    scale = {"k": 1000, "thousand": 1000, "m": 10**6, "million": 10**6, "bn": 10**9, "billion": 10**9}
    return value * scale.get((match.group(2) or "").lower(), 1)


def _date_key(raw: str) -> tuple[object, ...]:
    """("day", month, day, year or None), ("weekday", name) or ("month", month, year or None)."""
    low = raw.lower()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        y, m, d = (int(p) for p in raw.split("-"))
        return ("day", m, d, y)
    if low.endswith("day") and not re.search(r"\d", low):
        return ("weekday", low)
    month = next((i + 1 for i, name in enumerate(_MONTHS) if re.search(rf"\b{name[:3]}", low)), 0)
    numbers = [int(n) for n in re.findall(r"\d+", low)]
    year = next((n for n in numbers if n > 31), None)
    day = next((n for n in numbers if n <= 31), None)
    return ("day", month, day, year) if day is not None else ("month", month, year)


def numbers_in(text: str) -> set[Decimal]:
    """Every numeric value written in `text`, whatever its kind."""
    return {e.key for e in scan(text) if isinstance(e.key, Decimal)}


def day_keys(day: date) -> str:
    """A date written the way the scanner reads it back."""
    return f"{_MONTHS[day.month - 1].title()} {day.day}, {day.year} ({day.strftime('%A')})"
