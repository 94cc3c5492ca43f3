"""An httpx client for URLs a user supplied: every address it is about to dial passes the SSRF guard.

The guard sits where connections are made (httpcore's network backend), so it judges the very addresses the
client dials, after resolution and on every redirect hop: a name that resolves to an internal address, or
that changes its answer between a check and the connection (DNS rebinding), is refused the same way.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from hub.net.ssrf import BlockedAddress, Policy, is_blocked, parse_ip

__all__ = ["GuardedBackend", "guarded_client"]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves a host itself, refuses it if any address is blocked, and dials the address it judged."""

    def __init__(self, policy: Policy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        address = host if self.policy.allows_host(host) else await self._judged(host, port)
        return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def _judged(self, host: str, port: int) -> str:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host!r} could not be resolved ({exc.strerror or exc})") from None
        addresses = [info[4][0] for info in infos]
        for text in addresses:
            ip = parse_ip(text)
            if ip is None or (is_blocked(ip) and not self.policy.allows_address(ip)):
                raise httpcore.ConnectError(str(BlockedAddress(host, text)))
        if not addresses:
            raise httpcore.ConnectError(f"{host!r} has no address")
        return addresses[0]

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable through the guarded client")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        super().__init__(trust_env=False, **kwargs)  # no proxy: through one the target is out of the guard's sight
        # httpx builds its pool without a way to name the network backend; this pool is the same with ours.
        pool = self._pool
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=pool._ssl_context, max_connections=pool._max_connections,
            max_keepalive_connections=pool._max_keepalive_connections, keepalive_expiry=pool._keepalive_expiry,
            http1=pool._http1, http2=pool._http2, network_backend=GuardedBackend(policy))


def guarded_client(policy: Policy, **kwargs: Any) -> httpx.AsyncClient:
    """An AsyncClient whose every connection passes the guard; `kwargs` go to AsyncClient, but none that would
    route a request around it (a proxy, another transport or mounts)."""
    if around := {"proxy", "transport", "mounts"} & set(kwargs):
        raise TypeError(f"guarded_client takes no {', '.join(sorted(around))}: it would bypass the guard")
    return httpx.AsyncClient(transport=_GuardedTransport(policy), trust_env=False, **kwargs)
