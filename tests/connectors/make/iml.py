"""A small stand-in for Make's runtime: IML templates (`{{connection.apiKey}}`, `{{ifempty(a; b)}}`) and the
request blocks of a custom app (base, connection, attach/detach, modules, RPCs), for just the expressions
and directives the hub's export uses. Anything else is refused, so a new construct cannot pass unnoticed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

__all__ = ["MakeApp", "MakeError", "Outcome", "check", "render"]

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
_TOKEN = re.compile(r"\s*(?:(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|==|[<>=();])"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*))")


def _now(ctx: dict[str, Any]) -> datetime:
    return ctx.get("now") or datetime.now(timezone.utc)


def _switch(value: Any, *cases: Any) -> Any:
    pairs, fallback = (cases, None) if len(cases) % 2 == 0 else (cases[:-1], cases[-1])
    return next((pairs[i + 1] for i in range(0, len(pairs), 2) if pairs[i] == value), fallback)


FUNCTIONS: dict[str, Any] = {
    "ifempty": lambda a, b: b if a in (None, "", [], {}) else a,
    "if": lambda cond, a, b=None: a if cond not in (None, False, "", [], {}, 0) else b,
    "switch": _switch,
    "replace": lambda text, old, new: None if text is None else str(text).replace(old, new),
    "toCollection": lambda items, key, value: {i[key]: i[value] for i in (items or [])},
    "join": lambda items, sep: sep.join(str(i) for i in (items or [])),
    "addSeconds": lambda when, n: when + timedelta(seconds=float(n)),
    "addMinutes": lambda when, n: when + timedelta(minutes=float(n)),
    "addDays": lambda when, n: when + timedelta(days=float(n)),
}


class _Parser:
    def __init__(self, text: str, ctx: dict[str, Any], dry: bool = False) -> None:
        self.tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(text)]
        consumed = "".join(m.group(0) for m in _TOKEN.finditer(text))
        if consumed.replace(" ", "") != text.replace(" ", ""):
            raise ValueError(f"IML the stand-in does not understand: {text!r}")
        self.ctx, self.pos, self.dry = ctx, 0, dry  # dry: check the syntax and names only

    def peek(self) -> tuple[str | None, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str | None, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expression(self) -> Any:
        left = self.term()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("<", ">", "<=", ">=", "=", "==", "!="):
            op = self.take()[1]
            right = self.term()
            if self.dry:
                return None
            return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right,
                    "=": left == right, "==": left == right, "!=": left != right}[op]
        return left

    def term(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1]
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if self.peek() == ("op", "("):
            return self.call(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        return self.path(text)

    def call(self, name: str) -> Any:
        if name not in FUNCTIONS:
            raise ValueError(f"IML function the stand-in does not know: {name}")
        self.take()
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.expression())
            if self.peek() == ("op", ";"):
                self.take()
        self.take()
        return None if self.dry else FUNCTIONS[name](*args)

    def path(self, dotted: str) -> Any:
        head, *rest = dotted.split(".")
        if head == "now":
            return _now(self.ctx)
        value = self.ctx.get(head)
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        return value


def evaluate(expression: str, ctx: dict[str, Any], dry: bool = False) -> Any:
    parser = _Parser(expression, ctx, dry)
    value = parser.expression()
    if parser.peek() is not None:
        raise ValueError(f"IML the stand-in does not understand: {expression!r}")
    return value


def render(value: Any, ctx: dict[str, Any]) -> Any:
    """An IML value: a lone `{{…}}` keeps its type, text around one makes a string; undefined keys go."""
    if isinstance(value, dict):
        rendered = {k: render(v, ctx) for k, v in value.items()}
        return {k: v for k, v in rendered.items() if v is not None}
    if isinstance(value, list):
        return [render(v, ctx) for v in value]
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value)
    if whole:
        return evaluate(whole.group(1), ctx)
    return _TEMPLATE.sub(lambda m: _text(evaluate(m.group(1), ctx)), value)


def check(text: str) -> None:
    """Refuse a template with an expression the stand-in does not understand (without evaluating it)."""
    for match in _TEMPLATE.finditer(text):
        evaluate(match.group(1), {}, dry=True)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str) else json.dumps(value)


class MakeError(Exception):
    """What a module shows when the service answers an error: Make's error type and the rendered message."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind, self.message, self.status = kind, message, status


@dataclass
class Outcome:
    status: int
    body: Any
    output: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


class MakeApp:
    """An exported project read the way Make reads it: components by name, each code block parsed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = json.loads((root / "makecomapp.json").read_text())
        self.base = self._load(self.manifest["generalCodeFiles"]["base"])

    def _load(self, path: str) -> Any:
        return json.loads((self.root / path).read_text())

    def component(self, kind: str, name: str) -> dict[str, Any]:
        meta = self.manifest["components"][kind][name]
        return {**meta, **{code: self._load(path) for code, path in meta["codeFiles"].items()}}

    def names(self, kind: str) -> list[str]:
        return list(self.manifest["components"][kind])

    def receive(self, webhook: str, body: bytes) -> Any:
        """Make turning a request to the webhook's URL into the trigger's bundle: the webhook's `output`."""
        output = self.component("webhook", webhook)["communication"]["output"]
        return render(output, {"body": json.loads(body)})

    async def call(self, spec: dict[str, Any], ctx: dict[str, Any], *, base: bool = True) -> Outcome:
        """Run one request block: the base's URL, headers and error handling apply unless `base` is off."""
        ctx = {**ctx, "now": _now(ctx)}
        request = render({k: v for k, v in spec.items() if k not in ("response", "log")}, ctx)
        url = request["url"]
        if base and not url.startswith(("http://", "https://")):
            url = self.base["baseUrl"] + url
        shared = render(self.base.get("headers", {}), ctx) if base else {}
        headers = {**shared, **request.get("headers", {})}
        body = request.get("body")
        form = request.get("type") == "urlencoded"
        async with httpx.AsyncClient(timeout=15) as client:
            answer = await client.request(request.get("method", "GET"), url, headers=headers,
                                          params=request.get("qs"), data=body if form else None,
                                          json=None if form or body is None else body)
        parsed = answer.json() if answer.content and "json" in answer.headers.get("content-type", "") else (
            answer.text or None)
        return self._respond(spec.get("response", {}), {**ctx, "statusCode": answer.status_code,
                                                        "body": parsed}, answer.status_code, base)

    def _respond(self, response: dict[str, Any], ctx: dict[str, Any], status: int, base: bool) -> Outcome:
        if status >= 400:
            errors = response.get("error") or (self.base.get("response", {}).get("error", {}) if base else {})
            chosen = {**errors, **errors.get(str(status), {})}
            raise MakeError(render(chosen.get("type", "RuntimeError"), ctx),
                            render(chosen.get("message", f"HTTP {status}"), ctx), status)
        if "temp" in response:
            ctx = {**ctx, "temp": render(response["temp"], ctx)}
        outcome = Outcome(status, ctx["body"], data=render(response.get("data", {}), ctx),
                          metadata=render(response.get("metadata", {}), ctx))
        if "iterate" in response:
            iterate = response["iterate"]
            container, condition = ((iterate["container"], iterate.get("condition"))
                                    if isinstance(iterate, dict) else (iterate, None))
            items = [i for i in render(container, ctx) or []
                     if condition is None or render(condition, {**ctx, "item": i})]
            outcome.output = [render(response.get("output", "{{item}}"), {**ctx, "item": i}) for i in items]
        elif "output" in response:
            outcome.output = render(response["output"], ctx)
        return outcome
