"""A loopback webhook receiver for tests: records every request and answers from a script."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from connectors._loopback import serve


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers `script` in turn per path (then `default`), e.g. [500, 200] fails once then succeeds; an
    `asyncio.Event` in the script holds that answer until the event is set."""

    script: dict[str, list[Any]] = field(default_factory=dict)
    default: int = 200
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.at(path)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{path}: {len(self.at(path))} of {count} deliveries arrived")
            await asyncio.sleep(0.02)
        return self.at(path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Received(request.path, dict(request.headers), await request.read()))
        queue = self.script.get(request.path) or []
        answer = queue.pop(0) if queue else self.default
        if isinstance(answer, asyncio.Event):  # hold the answer until the test sets it, then succeed
            await answer.wait()
            answer = self.default
        status, headers = (answer, {}) if isinstance(answer, int) else answer
        return web.Response(status=status, headers=headers, text="ok")


async def start_receiver(kind: type[Receiver] = Receiver, **kw: Any) -> tuple[Receiver, web.AppRunner]:
    receiver = kind(**kw)
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", receiver._handle)
    runner, url = await serve(app)
    receiver.port = int(url.rsplit(":", 1)[1])
    return receiver, runner
