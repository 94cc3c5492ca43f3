"""The guarded httpx client: every address it dials, first or on a redirect hop, passes the SSRF guard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from connectors._loopback import serve
from hub.net.http import guarded_client
from hub.net.ssrf import Policy

STRICT = Policy()


@dataclass
class Server:
    """A loopback server that counts the requests reaching it; `/hop?to=` redirects there."""

    url: str = ""
    hits: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        async def hello(request: web.Request) -> web.Response:
            self.hits.append(request.path)
            return web.Response(text="ok")

        async def hop(request: web.Request) -> web.Response:
            self.hits.append(request.path)
            raise web.HTTPFound(request.query["to"])

        app = web.Application()
        app.router.add_get("/", hello)
        app.router.add_get("/hop", hop)
        return app


@pytest.fixture
async def near() -> AsyncIterator[Server]:
    """On 127.0.0.1."""
    server = Server()
    runner, server.url = await serve(server.app())
    yield server
    await runner.cleanup()


@pytest.fixture
async def far() -> AsyncIterator[Server]:
    """On 127.0.0.2: loopback too, but outside an allowlist that names 127.0.0.1."""
    server = Server()
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.2", 0).start()
    server.url = f"http://127.0.0.2:{runner.addresses[0][1]}"
    yield server
    await runner.cleanup()


async def fetch(policy: Policy, url: str, **kw: object) -> httpx.Response:
    async with guarded_client(policy, timeout=5, **kw) as client:  # type: ignore[arg-type]
        return await client.get(url)


async def refused(policy: Policy, url: str, **kw: object) -> str:
    """Insist that the guard refuses to connect; answers its reason."""
    with pytest.raises(httpx.ConnectError) as info:
        await fetch(policy, url, **kw)
    assert "may not reach" in str(info.value)
    return str(info.value)


def port_of(server: Server) -> str:
    return server.url.rsplit(":", 1)[1]


class TestGuardedClient:
    async def test_refuses_a_literal_loopback_address(self, near: Server) -> None:
        reason = await refused(STRICT, f"{near.url}/")
        assert "127.0.0.1" in reason and near.hits == []

    async def test_refuses_a_name_that_resolves_to_loopback(self, near: Server) -> None:
        reason = await refused(STRICT, f"http://localhost:{port_of(near)}/")
        assert "'localhost' resolves to 127.0.0.1" in reason and near.hits == []

    @pytest.mark.parametrize("allowlist", ["127.0.0.1", "127.0.0.0/8", "10.0.0.0/8, 127.0.0.1"])
    async def test_reaches_a_loopback_server_on_an_allowlisted_address(self, near: Server, allowlist: str) -> None:
        response = await fetch(Policy.parse(allowlist), f"{near.url}/")
        assert (response.status_code, response.text, near.hits) == (200, "ok", ["/"])

    async def test_reaches_an_allowlisted_name_but_not_its_address_written_out(self, near: Server) -> None:
        policy = Policy.parse("localhost")
        assert (await fetch(policy, f"http://localhost:{port_of(near)}/")).status_code == 200
        await refused(policy, f"{near.url}/")
        assert near.hits == ["/"]

    async def test_admits_nothing_beyond_the_allowlisted_address(self, far: Server) -> None:
        async with httpx.AsyncClient() as plain:  # the server is there: the guard is what keeps the client out
            assert (await plain.get(f"{far.url}/")).status_code == 200
        reason = await refused(Policy.parse("127.0.0.1"), f"{far.url}/")
        assert "127.0.0.2" in reason and far.hits == ["/"]

    async def test_follows_a_redirect_between_allowed_addresses(self, near: Server) -> None:
        response = await fetch(Policy.parse("127.0.0.1"), f"{near.url}/hop?to={near.url}/", follow_redirects=True)
        assert (response.status_code, near.hits) == (200, ["/hop", "/"])

    async def test_refuses_a_redirect_hop_to_a_blocked_address(self, near: Server, far: Server) -> None:
        reason = await refused(Policy.parse("127.0.0.1"), f"{near.url}/hop?to={far.url}/", follow_redirects=True)
        assert "127.0.0.2" in reason
        assert (near.hits, far.hits) == (["/hop"], [])

    async def test_a_proxy_or_another_transport_is_refused_as_a_way_around_the_guard(self, far: Server) -> None:
        for around in ({"proxy": far.url}, {"transport": httpx.AsyncHTTPTransport()}, {"mounts": {}}):
            with pytest.raises(TypeError, match="bypass the guard"):
                await fetch(STRICT, "http://93.184.216.34/", **around)
        assert far.hits == []
