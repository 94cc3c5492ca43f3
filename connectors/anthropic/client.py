"""The hub's language model on Anthropic's Messages API, through the official `anthropic` SDK.

The SDK does the HTTP: its own retries (429, 529 and other 5xx, 408, 409, honouring `retry-after`, backing off
otherwise), timeouts, the `anthropic-version` header and SSE parsing by event name. This class turns the hub's
`Prompt` into a Messages body (the system text top-level, never a message) and the answers and errors back into
the hub's terms. Pointing `base_url` at another host changes nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic

from connectors.anthropic.errors import translate
from connectors.anthropic.manifest import PRODUCTION_URL
from hub.language import Completion, Credentials, Prompt, TextDelta

__all__ = ["AnthropicModel", "open_model"]

_STOPS = {"end_turn": "end", "stop_sequence": "end", "max_tokens": "length"}


class AnthropicModel:
    """Messages for one organization's key."""

    def __init__(self, credentials: Credentials) -> None:
        self.sdk = anthropic.AsyncAnthropic(api_key=credentials.api_key,
                                            base_url=credentials.base_url or PRODUCTION_URL,
                                            timeout=credentials.timeout, max_retries=credentials.max_retries,
                                            http_client=credentials.http)
        self.owns_http = credentials.http is None

    async def aclose(self) -> None:
        if self.owns_http:  # a client handed in belongs to whoever made it
            await self.sdk.close()

    async def complete(self, prompt: Prompt) -> Completion:
        """One answer, whole: the text blocks joined."""
        try:
            answer = await self.sdk.messages.with_raw_response.create(**_body(prompt))
        except anthropic.AnthropicError as exc:
            raise translate(exc) from None
        message = answer.parse()
        text = "".join(block.text for block in message.content if block.type == "text")
        return Completion(text=text, model=message.model, input_tokens=message.usage.input_tokens,
                          output_tokens=message.usage.output_tokens,
                          stop=_STOPS.get(message.stop_reason or "", "other"),  # type: ignore[arg-type]
                          request_id=answer.headers.get("request-id"))

    async def stream(self, prompt: Prompt) -> AsyncIterator[TextDelta | Completion]:
        """The answer piece by piece (`text_delta`s), then the whole of it with its usage."""
        pieces: list[str] = []
        state: dict[str, Any] = {"model": prompt.model, "stop": "other", "input": 0, "output": 0}
        try:
            stream = await self.sdk.messages.create(**_body(prompt), stream=True)
            async for event in stream:
                if (text := _absorb(event, state)) is not None:
                    pieces.append(text)
                    yield TextDelta(text)
        except anthropic.AnthropicError as exc:
            raise translate(exc) from None
        yield Completion(text="".join(pieces), model=state["model"], input_tokens=state["input"],
                         output_tokens=state["output"], stop=state["stop"])


def _absorb(event: Any, state: dict[str, Any]) -> str | None:
    """The text of one stream event, if it carries some; notes model, usage and stop reason in `state`."""
    if event.type == "message_start":
        state["model"], state["input"] = event.message.model, event.message.usage.input_tokens
        state["output"] = event.message.usage.output_tokens
    elif event.type == "message_delta":
        state["output"] = event.usage.output_tokens  # cumulative, as the API counts it
        state["stop"] = _STOPS.get(event.delta.stop_reason or "", "other")
    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
        return event.delta.text
    return None


def _body(prompt: Prompt) -> dict[str, Any]:
    return {"model": prompt.model, "max_tokens": prompt.max_tokens, "system": prompt.system,
            "temperature": min(prompt.temperature, 1.0),
            "messages": [{"role": turn.role, "content": turn.content} for turn in prompt.turns]}


def open_model(credentials: Credentials) -> AnthropicModel:
    return AnthropicModel(credentials)
