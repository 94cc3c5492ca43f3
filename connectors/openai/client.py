"""The hub's language model on OpenAI's Chat Completions, through the official `openai` SDK.

The SDK does the HTTP: its own retries (429, 408, 409 and 5xx, honouring `retry-after-ms` and `retry-after`,
backing off otherwise), timeouts and SSE parsing. This class turns the hub's `Prompt` into a request body and the
answers and errors back into the hub's terms. Pointing `base_url` at another host (a fake, a proxy, a compatible
service) changes nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai

from connectors.openai.errors import translate
from connectors.openai.manifest import PRODUCTION_URL
from hub.language import Completion, Credentials, Prompt, TextDelta

__all__ = ["OpenAIModel", "open_model"]

_STOPS = {"stop": "end", "length": "length"}


class OpenAIModel:
    """Chat Completions for one organization's key."""

    def __init__(self, credentials: Credentials) -> None:
        self.sdk = openai.AsyncOpenAI(api_key=credentials.api_key, base_url=credentials.base_url or PRODUCTION_URL,
                                      timeout=credentials.timeout, max_retries=credentials.max_retries,
                                      http_client=credentials.http)
        self.owns_http = credentials.http is None

    async def aclose(self) -> None:
        if self.owns_http:  # a client handed in belongs to whoever made it
            await self.sdk.close()

    async def complete(self, prompt: Prompt) -> Completion:
        """One answer, whole."""
        try:
            answer = await self.sdk.chat.completions.with_raw_response.create(**_body(prompt))
        except openai.OpenAIError as exc:
            raise translate(exc) from None
        parsed = answer.parse()
        choice = parsed.choices[0]
        usage = parsed.usage
        return Completion(text=choice.message.content or "", model=parsed.model,
                          input_tokens=usage.prompt_tokens if usage else 0,
                          output_tokens=usage.completion_tokens if usage else 0,
                          stop=_STOPS.get(choice.finish_reason, "other"),  # type: ignore[arg-type]
                          request_id=answer.headers.get("x-request-id"))

    async def stream(self, prompt: Prompt) -> AsyncIterator[TextDelta | Completion]:
        """The answer piece by piece, then the whole of it with its usage (asked for with `include_usage`)."""
        pieces: list[str] = []
        state: dict[str, Any] = {"model": prompt.model, "stop": "other", "usage": None}
        try:
            stream = await self.sdk.chat.completions.create(
                **_body(prompt), stream=True, stream_options={"include_usage": True})
            async for chunk in stream:
                for text in _absorb(chunk, state):
                    pieces.append(text)
                    yield TextDelta(text)
        except openai.OpenAIError as exc:
            raise translate(exc) from None
        usage = state["usage"]
        yield Completion(text="".join(pieces), model=state["model"], stop=state["stop"],
                         input_tokens=usage.prompt_tokens if usage else 0,
                         output_tokens=usage.completion_tokens if usage else 0)


def _absorb(chunk: Any, state: dict[str, Any]) -> list[str]:
    """The text pieces of one chunk; notes its model, finish reason and usage in `state`."""
    state["model"] = chunk.model or state["model"]
    if chunk.usage is not None:
        state["usage"] = chunk.usage
    texts = []
    for choice in chunk.choices:
        if choice.finish_reason:
            state["stop"] = _STOPS.get(choice.finish_reason, "other")
        if choice.delta and choice.delta.content:
            texts.append(choice.delta.content)
    return texts


def _body(prompt: Prompt) -> dict[str, Any]:
    messages = [{"role": "system", "content": prompt.system}]
    messages += [{"role": turn.role, "content": turn.content} for turn in prompt.turns]
    return {"model": prompt.model, "messages": messages, "max_completion_tokens": prompt.max_tokens,
            "temperature": prompt.temperature}


def open_model(credentials: Credentials) -> OpenAIModel:
    return OpenAIModel(credentials)
