"""SSRF guard for URLs users supply (webhook endpoints, pages to read): static checks when a URL is saved,
address checks when a connection is made."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from hub.errors import ValidationFailed

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.tracing import Trace

__all__ = [
    "MAX_URL_LENGTH",
    "BlockedAddress",
    "GuardedConnector",
    "GuardedResolver",
    "Policy",
    "UnsafeUrl",
    "check_url",
    "check_url_resolving",
    "guarded_connector",
    "is_blocked",
    "parse_ip",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048

_BLOCKED_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    # IPv4
    "0.0.0.0/8",        # "this network": Linux dials 0.0.0.0 as the local host
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
    "100.64.0.0/10",    # CGNAT; Alibaba's metadata service sits at 100.100.100.200
    "127.0.0.0/8",
    "169.254.0.0/16",
    "192.0.0.0/24",     # IETF protocol assignments, Oracle's metadata 192.0.0.192 among them
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
    "192.88.99.0/24",   # retired 6to4 relay anycast
    "198.18.0.0/15",    # benchmarking
    "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    # IPv6 (mapped, 6to4 and NAT64 are judged by the IPv4 address they carry, see _embedded_ipv4)
    "::/96",            # unspecified, loopback and the deprecated IPv4-compatible form
    "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
    "64:ff9b:1::/48",   # local-use NAT64
    "100::/64",         # discard-only
    "2001::/23",        # IETF protocol assignments, Teredo's 2001::/32 among them
    "2001:db8::/32", "3fff::/20",
    "fc00::/7", "fec0::/10", "fe80::/10", "ff00::/8",
))
_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200",
    "168.63.129.16",    # Azure's host endpoint: public-looking, yet only the platform answers there
))
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")
# A last label like this makes resolvers read the whole host as an IPv4 address (WHATWG "ends in a number").
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


class UnsafeUrl(ValidationFailed):
    """A URL the hub refuses to call; the detail names the reason, never the credentials."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"URL refused: {reason}", errors=[{"field": "url", "message": reason}])
        self.reason = reason


class BlockedAddress(OSError):
    """A host led to an address the hub may not reach; aiohttp reports it as a ClientConnectorError."""

    def __init__(self, host: str, address: str) -> None:
        # aiohttp prints strerror, which a one-argument OSError leaves as None.
        super().__init__(errno.EACCES, f"{host!r} resolves to {address}, an address the hub may not reach")
        self.host = host
        self.address = address


@dataclass(frozen=True)
class Policy:
    """Host names, addresses and networks that may be reached over plain http and on internal addresses."""

    allowed_hosts: frozenset[str] = frozenset()
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names, networks = _split_allowlist(self.allowed_hosts)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_networks", networks)

    @classmethod
    def parse(cls, text: str) -> Policy:
        """From a setting such as "127.0.0.1, localhost, 10.0.0.0/8, receiver.internal"."""
        return cls(frozenset(part.strip() for part in text.split(",") if part.strip()))

    def allows_host(self, host: str) -> bool:
        """Whether a URL host (name or literal address) is on the allowlist."""
        name = _normal_name(host)
        ip = parse_ip(name)
        if ip is not None:
            return self.allows_address(ip)
        return name in self._names

    def allows_address(self, ip: IPAddress) -> bool:
        """Whether an address lies in an allowlisted network."""
        return any(ip.version == net.version and ip in net for net in self._networks)


def check_url(url: str, policy: Policy) -> yarl.URL:
    """Static checks when an endpoint is created; answers the parsed URL or raises UnsafeUrl."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"it is longer than {MAX_URL_LENGTH} characters")
    parsed = _parse_url(url)
    if parsed.scheme not in ("http", "https"):
        raise UnsafeUrl("only http and https URLs are allowed")
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise UnsafeUrl("it must not carry credentials (user info); send them in a custom header instead")
    host = _url_host(parsed)
    if parsed.port == 0:
        raise UnsafeUrl("port 0 cannot be connected to")
    allowed = policy.allows_host(host)
    if not allowed:
        _refuse_internal_host(host)
    if parsed.scheme == "http" and not allowed:
        raise UnsafeUrl(f"plain http is only allowed for allowlisted hosts; use https for {host}")
    return parsed


Resolve = Callable[[str, int], Awaitable[list[str]]]


async def _addresses(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_url_resolving(url: str, policy: Policy, *, resolve: Resolve = _addresses,
                              timeout: float = 3.0) -> yarl.URL:
    """`check_url`, then the host's name resolved: refused when any address it has now is internal. A name
    that does not resolve yet is let through; the guard at connection time judges it when it does."""
    parsed = check_url(url, policy)
    host = _url_host(parsed)
    if policy.allows_host(host) or parse_ip(_normal_name(host)) is not None:
        return parsed
    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve(host, parsed.port or 443)
    except (OSError, asyncio.TimeoutError, UnicodeError):
        return parsed
    for address in addresses:
        ip = parse_ip(address)
        if ip is None or (is_blocked(ip) and not policy.allows_address(ip)):
            raise UnsafeUrl(f"{_normal_name(host)} resolves to {address}, an internal or special-purpose address")
    return parsed


def is_blocked(ip: IPAddress) -> bool:
    """Whether an address is internal, special-purpose or a cloud metadata service."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_blocked(embedded)
    if ip in _METADATA or any(ip.version == net.version and ip in net for net in _BLOCKED_NETWORKS):
        return True
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_unspecified
            or ip.is_reserved or not ip.is_global)


class GuardedResolver(AbstractResolver):
    """Resolves through another resolver, then refuses a host if any of its addresses is blocked.

    aiohttp dials only the addresses a resolver answers, so judging them here defeats DNS rebinding.
    """

    def __init__(self, policy: Policy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._inner = inner
        self._owns_inner = inner is None

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """Resolve `host` and refuse it unless allowlisted or every address is public."""
        if self._inner is None:
            # ThreadedResolver wants a running loop, which exists only once resolving starts.
            self._inner = aiohttp.ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        _refuse_blocked(host, results, self.policy)
        return results

    async def close(self) -> None:
        """Close the inner resolver if this one made it."""
        if self._owns_inner and self._inner is not None:
            await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that judges every address it is about to dial, literal IPs included."""

    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        super().__init__(resolver=GuardedResolver(policy, kwargs.pop("resolver", None)), **kwargs)
        # aiohttp closes only resolvers it made itself; the guard is ours, and closes only what it made.
        self._resolver_owner = True
        self._policy = policy

    async def _resolve_host(self, host: str, port: int,
                            traces: Sequence[Trace] | None = None) -> list[ResolveResult]:
        results = await super()._resolve_host(host, port, traces=traces)
        # aiohttp answers literal IPs without the resolver and serves cached names past it.
        _refuse_blocked(host, results, self._policy)
        return results

    async def _create_proxy_connection(self, req: ClientRequest, traces: list[Trace],
                                       timeout: aiohttp.ClientTimeout) -> Any:
        # Through a proxy the target is resolved and dialled by the proxy, out of this guard's sight.
        host = req.url.raw_host or ""
        raise aiohttp.ClientConnectorError(req.connection_key, BlockedAddress(host, "a proxy"))


def guarded_connector(policy: Policy, **kwargs: Any) -> aiohttp.TCPConnector:
    """A connector for webhook deliveries; `kwargs` go to TCPConnector (a `resolver` gets wrapped)."""
    return GuardedConnector(policy, **kwargs)


def _split_allowlist(entries: Iterable[str]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in entries:
        text = entry.strip().lower().removeprefix("[").removesuffix("]")
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
            continue
        except ValueError:
            pass
        name = _normal_name(text)
        if not _HOST_NAME.fullmatch(name) or _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
            raise ValueError(f"{entry!r} is neither an IP address, a network nor an ASCII host name")
        names.add(name)
    return frozenset(names), tuple(networks)


def _parse_url(url: str) -> yarl.URL:
    try:
        return yarl.URL(url)
    except (TypeError, ValueError):
        raise UnsafeUrl("it is not a valid URL") from None


def _url_host(url: yarl.URL) -> str:
    """The host as aiohttp will dial it; a name must be plain ASCII letters, digits, dots and hyphens."""
    host = url.raw_host
    if not host:
        raise UnsafeUrl("it has no host")
    if ":" in host:
        if parse_ip(host) is None:
            raise UnsafeUrl("its IPv6 address is not valid")
        return host
    name = _normal_name(host)
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        _canonical_ipv4(name)
        return host
    if not _HOST_NAME.fullmatch(name):
        raise UnsafeUrl("its host is not a valid host name")
    return host


def _canonical_ipv4(host: str) -> ipaddress.IPv4Address:
    """Only dotted-quad decimal: other forms mean different things to different resolvers."""
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    try:
        meaning = f" (resolvers read it as {socket.inet_ntoa(socket.inet_aton(host))})"
    except OSError:
        meaning = ""
    raise UnsafeUrl(f"host {host!r} is not a dotted-quad IPv4 address{meaning}")


def _refuse_internal_host(host: str) -> None:
    name = _normal_name(host)
    ip = parse_ip(name)
    if ip is not None and is_blocked(ip):
        raise UnsafeUrl(f"{ip} is an internal or special-purpose address")
    if name == "localhost" or name.endswith(".localhost"):
        raise UnsafeUrl(f"{name} always means this machine")


def _refuse_blocked(host: str, results: Iterable[ResolveResult], policy: Policy) -> None:
    if policy.allows_host(host):
        return
    for result in results:
        ip = parse_ip(result["host"])
        # An address this guard cannot read is one it cannot vouch for.
        if ip is None or (is_blocked(ip) and not policy.allows_address(ip)):
            raise BlockedAddress(host, result["host"])


def parse_ip(text: str) -> IPAddress | None:
    """A literal address as yarl or a resolver writes it (zone ids may come as %25), else None."""
    try:
        return ipaddress.ip_address(unquote(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def _normal_name(host: str) -> str:
    return host.lower().rstrip(".")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a mapped, 6to4 or NAT64 address leads to; None for other IPv6 addresses."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
