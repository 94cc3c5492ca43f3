"""The guardrails around a model: CRM text fenced as untrusted data, instructions inside it withheld, and every
checkable fact of a draft held against what the model was given.

Before: each piece of CRM text (a note, an inbound email, a description) goes into a block fenced with a random
tag the text cannot forge, and sentences that address the model ("ignore previous instructions…") are withheld
and reported. After: a sentence of the draft that repeats a withheld one is dropped, and a link, email address,
amount, date, percentage, number or name the context and the user's own words do not hold is replaced by a
placeholder (`[amount]`, `[date]`, `[name]`…) and reported. The check is the same whoever wrote the draft.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from wordfreq import zipf_frequency

from core_features.writing.entities import Entity, scan

__all__ = ["Check", "Fence", "Finding", "Support", "screen"]

_INSTRUCTION = re.compile(r"""
    \b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,60}?
        \b(?:instructions?|prompts?|rules|guidelines|directions|above|previous|prior|system)\b
  | \b(?:you\s+are\s+now|act\s+as|pretend\s+(?:to\s+be|you)|new\s+instructions?|system\s+prompt|developer\s+mode
       |jailbreak)\b
  | \b(?:assistant|ai|model|chatgpt|gpt|claude|llm)\b[,:]?\s+(?:must|should|shall|will|needs?\s+to|please)\b
""", re.I | re.X)
_SENTENCE = re.compile(r"\n|[^\n]+?(?:[.!?]+(?=\s|$)|(?=\n)|$)")
_PLACEHOLDERS = {"link": "[link]", "email": "[email]", "amount": "[amount]", "date": "[date]",
                 "percent": "[percent]", "number": "[number]", "name": "[name]"}
_COMMON = 4.0  # wordfreq Zipf of an ordinary English word
_FUNCTION_WORD = 6.0  # wordfreq Zipf: "the", "and", "you", "can"… carry no claim of their own


@dataclass(frozen=True)
class Finding:
    """Something the guard changed: a fact replaced, a sentence dropped, a sentence withheld from the model."""

    kind: str
    text: str
    replacement: str | None = None
    source: str | None = None


def sentences(text: str) -> list[str]:
    """The text's sentences and line breaks, which joined give the text back but for trailing spaces."""
    return [m.group() for m in _SENTENCE.finditer(text)]


def screen(text: str, source: str) -> tuple[str, list[Finding]]:
    """The text with each sentence that addresses the model withheld, and what was withheld."""
    kept, withheld = [], []
    for sentence in sentences(text):
        if _INSTRUCTION.search(sentence):
            withheld.append(Finding("withheld", sentence.strip(), "[instruction-like text withheld]", source))
            kept.append(" [instruction-like text withheld]")
        else:
            kept.append(sentence)
    return "".join(kept).strip(), withheld


class Fence:
    """Blocks of untrusted data under one random tag per prompt, which the data itself cannot close."""

    def __init__(self) -> None:
        self.tag = f"untrusted-data-{secrets.token_hex(4)}"

    def wrap(self, source: str, text: str) -> str:
        quoted = text.replace("<", "‹").replace(">", "›")
        return f"<{self.tag} source=\"{source}\">\n{quoted}\n</{self.tag}>"


@dataclass
class Support:
    """What a draft may state: the values of the context and of the user's own words, read by the scanner."""

    numbers: set[Decimal] = field(default_factory=set)
    days: set[tuple[object, ...]] = field(default_factory=set)
    weekdays: set[str] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    places: set[str] = field(default_factory=set)  # links, domains and email addresses
    words: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, *texts: str) -> Support:
        support = cls()
        for text in texts:
            support.add(text)
        return support

    def add(self, text: str) -> None:
        self.words.update(w.lower() for w in re.findall(r"[\w'’&-]+", text))
        self.places.update(re.findall(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", text.lower()))  # a domain field, bare
        for entity in scan(text):
            self._add(entity)

    def _add(self, entity: Entity) -> None:
        key = entity.key
        if isinstance(key, Decimal):
            self.numbers.add(key)
        elif entity.kind in ("link", "email"):
            self.places.add(str(key))
            self.places.add(str(key).split("@")[-1].split("/")[0])
        elif entity.kind == "date":
            self._add_date(key)  # type: ignore[arg-type]

    def _add_date(self, key: tuple[object, ...]) -> None:
        if key[0] == "weekday":
            self.weekdays.add(str(key[1]))
        elif key[0] == "day":
            self.days.add(key)
            self.months.add(int(key[1]))  # type: ignore[call-overload]
        else:
            self.months.add(int(key[1]))  # type: ignore[call-overload]

    def holds(self, entity: Entity) -> bool:
        key = entity.key
        if isinstance(key, Decimal):
            return key in self.numbers
        if entity.kind in ("link", "email"):
            return str(key) in self.places
        if entity.kind == "name":  # every word held, or an ordinary one beside a held one ("Acme Corp")
            held = [word in self.words for word in key]  # type: ignore[union-attr]
            return any(held) and all(h or zipf_frequency(w, "en") >= _COMMON for h, w in zip(held, key))
        return self._holds_date(key)  # type: ignore[arg-type]

    def _holds_date(self, key: tuple[object, ...]) -> bool:
        if key[0] == "weekday":
            return key[1] in self.weekdays
        if key[0] == "month":
            return key[1] in self.months
        return any(d[1:3] == key[1:3] and (key[3] is None or d[3] in (None, key[3])) for d in self.days)


@dataclass
class Check:
    """Checks a draft, whole or a sentence at a time as it streams, against the support and what was withheld."""

    support: Support
    withheld: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def text(self, text: str) -> str:
        """The text with echoes of withheld sentences dropped and unsupported facts replaced."""
        return "".join(self.sentence(s) for s in sentences(text))

    def sentence(self, sentence: str) -> str:
        if self._echoes(sentence):
            self.findings.append(Finding("dropped", sentence.strip(), None, "repeats withheld instructions"))
            return ""
        out, last = [], 0
        for entity in scan(sentence):
            if self.support.holds(entity):
                continue
            placeholder = _PLACEHOLDERS[entity.kind]
            self.findings.append(Finding(entity.kind, entity.text, placeholder, None))
            out += [sentence[last:entity.start], placeholder]
            last = entity.end
        return "".join(out) + sentence[last:]

    def _echoes(self, sentence: str) -> bool:
        words = _content_words(sentence)
        for finding in self.withheld:
            theirs = _content_words(finding.text)
            if theirs and len(words & theirs) >= max(2, (len(theirs) + 1) // 2):
                return True
        return False


def _content_words(text: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[\w'’-]+", text)}
    return {w for w in words if (len(w) > 2 or w.isdigit()) and zipf_frequency(w, "en") < _FUNCTION_WORD}
