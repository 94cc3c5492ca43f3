"""The port to a large language model: what a feature asks for, what it gets back, and who serves it.

A feature builds a `Prompt`, finds the `LanguageProvider` an organization chose with `hub.port(LanguageProvider,
key)` and opens a `LanguageModel` with that organization's `Credentials`; the connector behind it is never
imported. `complete` answers one `Completion`; `stream` yields `TextDelta`s as the text arrives and ends with
the `Completion`. Failures are told in the shared vocabulary of `hub.outside` (RateLimited after the client's
own retries, Rejected, AuthorizationRevoked, Unavailable), never with the key or the prompt in the message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

import httpx

__all__ = ["Completion", "Credentials", "LanguageModel", "LanguageProvider", "Price", "Prompt", "TextDelta", "Turn"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation sent (the system text travels apart, in `Prompt.system`)."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Prompt:
    """What is asked of the model: the system text, the turns, and the limits of the answer."""

    system: str
    turns: tuple[Turn, ...]
    model: str
    max_tokens: int = 800
    temperature: float = 0.3


@dataclass(frozen=True)
class Completion:
    """The model's whole answer and what it cost in tokens; `stop` is "end" or "length" (cut at max_tokens)."""

    text: str
    model: str
    input_tokens: int
    output_tokens: int
    stop: Literal["end", "length", "other"] = "end"
    request_id: str | None = None


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer as it streams in."""

    text: str


@dataclass(frozen=True)
class Credentials:
    """How one organization reaches the service: its key, a base URL where it is not the vendor's own, and the
    HTTP client to go through (the hub's SSRF-guarded one for a URL a user supplied), which the model does not
    close."""

    api_key: str = field(repr=False)
    base_url: str | None = None
    timeout: float = 60.0
    max_retries: int = 2
    http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:  # the key never reaches a log line through a repr
        return f"Credentials(base_url={self.base_url!r}, timeout={self.timeout}, max_retries={self.max_retries})"


class LanguageModel(Protocol):
    """A model behind one organization's credentials."""

    async def complete(self, prompt: Prompt) -> Completion: ...

    def stream(self, prompt: Prompt) -> AsyncIterator[TextDelta | Completion]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Price:
    """US dollars per million input and output tokens."""

    input: Decimal
    output: Decimal

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return (self.input * input_tokens + self.output * output_tokens) / 1_000_000


@dataclass(frozen=True)
class LanguageProvider:
    """A language model service, contributed by its connector (`Module.provides`); `prices` per model, the
    dearest used for a model it does not list, so a spending cap errs on the safe side."""

    key: str
    label: str
    default_model: str
    open: Callable[[Credentials], LanguageModel]
    prices: Mapping[str, Price] = field(default_factory=dict)

    def price(self, model: str) -> Price:
        if model in self.prices:
            return self.prices[model]
        known = [p for m, p in self.prices.items() if model.startswith(m)]
        pool = known or list(self.prices.values()) or [Price(Decimal(0), Decimal(0))]
        return max(pool, key=lambda p: p.input + p.output)
