"""The SSRF guard: URL checks at creation, the blocked address ranges, and refusals at connect time."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
import yarl
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from hub.errors import ValidationFailed
from hub.net.ssrf import (
    MAX_URL_LENGTH,
    BlockedAddress,
    GuardedResolver,
    Policy,
    UnsafeUrl,
    check_url,
    check_url_resolving,
    guarded_connector,
    is_blocked,
)

STRICT = Policy()
LOOPBACK = Policy.parse("127.0.0.1")

BLOCKED_V4 = [
    "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "169.254.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "100.100.100.200",
    "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "192.0.0.192", "168.63.129.16",
]
BLOCKED_V6 = [
    "::", "::1", "fc00::1", "fd12:3456::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "fec0::1",
    "ff02::1", "2001:db8::1", "3fff::1", "100::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:100.100.100.200",
    "::127.0.0.1", "::8.8.8.8",                        # IPv4-compatible, deprecated: refused whatever it holds
    "::ffff:0:7f00:1",                                 # IPv4-translated
    "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:a00:1::",  # 6to4 of loopback, metadata, 10/8
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1", "64:ff9b:1::1",  # NAT64
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]
PUBLIC = [
    "93.184.216.34", "8.8.8.8", "1.1.1.1", "11.0.0.1", "100.128.0.1", "172.32.0.1", "169.255.0.1",
    "2606:4700::1111", "2001:4860:4860::8888", "::ffff:93.184.216.34", "2002:5db8:d822::1", "64:ff9b::808:808",
]


def _refusal(url: str, policy: Policy = STRICT) -> UnsafeUrl:
    with pytest.raises(UnsafeUrl) as info:
        check_url(url, policy)
    return info.value


def _url_host(address: str) -> str:
    return f"[{address.replace('%', '%25')}]" if ":" in address else address


class TestStaticChecks:
    @pytest.mark.parametrize("url", [
        "ftp://example.com/hook", "file:///etc/passwd", "gopher://example.com:70/_x", "javascript:alert(1)",
        "data:text/plain,hi", "example.com/hook", "//example.com/hook", "mailto:ops@example.com",
    ])
    def test_only_http_and_https_are_accepted(self, url: str) -> None:
        assert "http" in _refusal(url).detail

    @pytest.mark.parametrize("url", ["http://example.com/hook", "http://hooks.example.com:8080/x"])
    def test_plain_http_to_a_host_off_the_allowlist_is_refused(self, url: str) -> None:
        assert "https" in _refusal(url).detail

    @pytest.mark.parametrize("url", [
        "https://alice:s3cret@example.com/hook", "https://:s3cret@example.com/", "https://s3cret@example.com/",
        "http://alice:s3cret@127.0.0.1:8080/",
    ])
    def test_credentials_are_refused_without_being_echoed(self, url: str) -> None:
        refusal = _refusal(url, LOOPBACK)
        assert "credentials" in refusal.detail
        assert "s3cret" not in refusal.detail and "s3cret" not in str(refusal.errors)

    @pytest.mark.parametrize("url", ["https:///hook", "https://", "https://:443/"])
    def test_a_host_is_required(self, url: str) -> None:
        _refusal(url)

    @pytest.mark.parametrize("url", [
        "https://ex ample.com/", "https://%31%32%37.0.0.1/", "https://[zzz]/", "https://exa\\@127.0.0.1/",
        "https://example.com:99999/", "https://example.com:0/",
    ])
    def test_malformed_hosts_and_ports_are_refused(self, url: str) -> None:
        _refusal(url)

    def test_the_length_limit_is_2048_characters(self) -> None:
        base = "https://example.com/"
        assert check_url(base + "a" * (MAX_URL_LENGTH - len(base)), STRICT)
        assert "2048" in _refusal(base + "a" * (MAX_URL_LENGTH - len(base) + 1)).detail

    def test_a_public_https_url_comes_back_parsed_with_its_port(self) -> None:
        url = check_url("https://hooks.example.com:8443/in?team=7", STRICT)
        assert isinstance(url, yarl.URL)
        assert (url.host, url.port, url.path, url.query["team"]) == ("hooks.example.com", 8443, "/in", "7")

    @pytest.mark.parametrize("address", BLOCKED_V4 + [a for a in BLOCKED_V6 if "%" not in a] + ["fe80::1%eth0"])
    def test_literal_blocked_addresses_are_refused(self, address: str) -> None:
        assert "address" in _refusal(f"https://{_url_host(address)}:8443/hook").detail

    @pytest.mark.parametrize("host", [
        "2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1", "0x7f.0.0.1", "017700000001",
        "0xa9.0xfe.0xa9.0xfe", "1572395042", "08.0.0.1", "1.2.3.4.5", "example.0x10",
    ])
    def test_odd_ipv4_forms_are_refused_even_when_public(self, host: str) -> None:
        assert "dotted-quad" in _refusal(f"https://{host}/hook", LOOPBACK).detail

    def test_an_odd_form_names_the_address_it_stands_for(self) -> None:
        assert "127.0.0.1" in _refusal("https://0x7f.1/").detail

    @pytest.mark.parametrize("url", ["https://127.0.0.1./", "https://LOCALHOST/", "https://api.localhost./hook"])
    def test_trailing_dots_and_localhost_names_do_not_slip_through(self, url: str) -> None:
        _refusal(url)

    @pytest.mark.parametrize("address", PUBLIC)
    def test_public_literal_addresses_are_accepted(self, address: str) -> None:
        assert check_url(f"https://{_url_host(address)}/hook", STRICT).scheme == "https"

    @pytest.mark.parametrize("url, allowlist", [
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("http://127.0.0.1./hook", "127.0.0.1"),
        ("http://[::1]:8080/hook", "::1"),
        ("http://localhost:9000/", "localhost"),
        ("http://Receiver.Internal./in", "receiver.internal"),
        ("http://10.1.2.3/", "10.0.0.0/8"),
        ("https://[fd00::5]/", "fd00::/8"),
    ])
    def test_the_allowlist_admits_plain_http_and_internal_addresses(self, url: str, allowlist: str) -> None:
        assert check_url(url, Policy.parse(allowlist)) == yarl.URL(url)

    @pytest.mark.parametrize("url", [
        "http://192.168.1.1/", "http://127.0.0.2/", "ftp://127.0.0.1/", "http://other.internal/",
    ])
    def test_the_allowlist_admits_nothing_beyond_its_entries(self, url: str) -> None:
        _refusal(url, Policy.parse("127.0.0.1, receiver.internal, 10.0.0.0/8"))

    def test_a_refusal_is_a_422_validation_error_on_the_url_field(self) -> None:
        refusal = _refusal("http://example.com/")
        assert isinstance(refusal, ValidationFailed) and refusal.status == 422
        assert refusal.errors == [{"field": "url", "message": refusal.reason}]

    def test_the_setting_parses_names_addresses_and_networks(self) -> None:
        policy = Policy.parse(" 127.0.0.1, Localhost ,,10.0.0.0/8, receiver.internal., [::1] ")
        assert policy.allows_host("localhost") and policy.allows_host("RECEIVER.internal")
        assert policy.allows_address(ipaddress.ip_address("10.9.8.7"))
        assert policy.allows_host("::1") and not policy.allows_host("::2")
        assert Policy.parse("") == Policy() and not Policy().allows_host("127.0.0.1")

    @pytest.mark.parametrize("entry", ["127.1", "10.0.0.0/33", "bad host", "exa*mple.com", "http://x.test"])
    def test_the_setting_refuses_entries_it_cannot_read(self, entry: str) -> None:
        with pytest.raises(ValueError, match="neither"):
            Policy.parse(entry)


class TestBlockedAddresses:
    @pytest.mark.parametrize("address", BLOCKED_V4 + BLOCKED_V6)
    def test_internal_and_special_addresses_are_blocked(self, address: str) -> None:
        assert is_blocked(ipaddress.ip_address(address))

    @pytest.mark.parametrize("address", PUBLIC)
    def test_public_addresses_are_not(self, address: str) -> None:
        assert not is_blocked(ipaddress.ip_address(address))

    def test_every_address_in_the_private_and_metadata_ranges_is_covered(self) -> None:
        for net in ("100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "fc00::/7", "fe80::/10"):
            network = ipaddress.ip_network(net)
            for probe in (network.network_address, network.broadcast_address, network[len(net)]):
                assert is_blocked(probe), probe


@dataclass
class FakeResolver(AbstractResolver):
    """Answers from a table, the way DNS under an attacker's control would."""

    table: dict[str, list[str]]
    asked: list[str] = field(default_factory=list)
    closed: bool = False

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [ResolveResult(hostname=host, host=address, port=port,
                              family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST) for address in self.table[host]]

    async def close(self) -> None:
        self.closed = True


@dataclass
class Server:
    port: int
    hits: list[str] = field(default_factory=list)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    served = Server(port=sock.getsockname()[1])

    async def hello(request: web.Request) -> web.Response:
        served.hits.append(request.host)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    yield served
    await runner.cleanup()


async def _get(url: str, policy: Policy, resolver: AbstractResolver | None = None, **kw: object) -> int:
    connector = guarded_connector(policy, resolver=resolver)
    async with (aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=5)) as session,
                session.get(url, allow_redirects=False, **kw) as response):  # type: ignore[arg-type]
        return response.status


async def _refused(url: str, policy: Policy, resolver: AbstractResolver | None = None) -> BlockedAddress:
    with pytest.raises(aiohttp.ClientConnectorError) as info:
        await _get(url, policy, resolver)
    assert isinstance(info.value.os_error, BlockedAddress)
    assert "may not reach" in str(info.value)
    return info.value.os_error


def _rebind(*addresses: str) -> FakeResolver:
    return FakeResolver({"rebind.test": list(addresses or ["127.0.0.1"])})


class TestConnectTime:
    async def test_a_name_that_resolves_to_loopback_is_refused(self, server: Server) -> None:
        resolver = _rebind()
        refusal = await _refused(f"http://rebind.test:{server.port}/", STRICT, resolver)
        assert (refusal.host, refusal.address) == ("rebind.test", "127.0.0.1")
        assert "rebind.test" in str(refusal)
        assert resolver.asked == ["rebind.test"] and server.hits == []

    async def test_one_internal_address_among_public_ones_is_enough_to_refuse(self, server: Server) -> None:
        await _refused(f"http://rebind.test:{server.port}/", STRICT, _rebind("93.184.216.34", "127.0.0.1"))
        await _refused(f"http://rebind.test:{server.port}/", STRICT, _rebind("2606:4700::1111", "::ffff:7f00:1"))
        assert server.hits == []

    async def test_a_literal_loopback_address_is_refused_though_no_resolver_is_asked(self, server: Server) -> None:
        resolver = _rebind()
        await _refused(f"http://127.0.0.1:{server.port}/", STRICT, resolver)
        await _refused(f"http://[::1]:{server.port}/", STRICT, resolver)
        assert resolver.asked == [] and server.hits == []

    async def test_odd_ipv4_forms_do_not_reach_loopback(self, server: Server) -> None:
        await _refused(f"http://0x7f.1:{server.port}/", STRICT)  # the system resolver reads it as 127.0.0.1
        with pytest.raises(aiohttp.ClientError):
            await _get(f"http://2130706433:{server.port}/", STRICT)
        assert server.hits == []

    async def test_an_allowlisted_address_is_reached_by_name_and_directly(self, server: Server) -> None:
        assert await _get(f"http://rebind.test:{server.port}/", LOOPBACK, _rebind()) == 200
        assert await _get(f"http://127.0.0.1:{server.port}/", LOOPBACK) == 200
        assert server.hits == [f"rebind.test:{server.port}", f"127.0.0.1:{server.port}"]

    async def test_an_allowlisted_name_is_reached_but_not_the_address_itself(self, server: Server) -> None:
        policy = Policy.parse("rebind.test")
        assert await _get(f"http://rebind.test:{server.port}/", policy, _rebind()) == 200
        await _refused(f"http://127.0.0.1:{server.port}/", policy)
        await _refused(f"http://other.test:{server.port}/", policy, FakeResolver({"other.test": ["127.0.0.1"]}))

    async def test_a_proxy_is_refused_since_it_would_resolve_the_target_itself(self, server: Server) -> None:
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await _get("http://93.184.216.34/", LOOPBACK, proxy=f"http://127.0.0.1:{server.port}")
        assert isinstance(info.value.os_error, BlockedAddress) and server.hits == []

    async def test_the_guarded_resolver_passes_public_answers_through(self) -> None:
        guarded = GuardedResolver(STRICT, FakeResolver({"hooks.example.com": ["93.184.216.34", "2606:4700::1111"]}))
        answers = await guarded.resolve("hooks.example.com", 443)
        assert [a["host"] for a in answers] == ["93.184.216.34", "2606:4700::1111"]
        with pytest.raises(BlockedAddress):
            await GuardedResolver(STRICT, _rebind("169.254.169.254")).resolve("rebind.test", 80)

    async def test_a_resolver_handed_in_stays_open_for_its_owner(self) -> None:
        resolver = _rebind()
        connector = guarded_connector(STRICT, resolver=resolver)
        await connector.close()
        assert not resolver.closed


def _resolving_to(*addresses: str):
    async def resolve(host: str, port: int) -> list[str]:
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(addresses)
    return resolve


class TestResolvingCheck:
    async def test_a_name_that_resolves_to_an_internal_address_is_refused_when_saved(self) -> None:
        with pytest.raises(ValidationFailed, match="hooks.example.com resolves to 10.0.0.5"):
            await check_url_resolving("https://hooks.example.com/in", STRICT, resolve=_resolving_to(
                "93.184.216.34", "10.0.0.5"))

    async def test_a_name_with_only_public_addresses_is_accepted(self) -> None:
        parsed = await check_url_resolving("https://hooks.example.com/in", STRICT,
                                           resolve=_resolving_to("93.184.216.34"))
        assert parsed.host == "hooks.example.com"

    async def test_a_name_that_does_not_resolve_yet_is_left_to_the_connection_guard(self) -> None:
        assert (await check_url_resolving("https://not-yet.example.com/", STRICT, resolve=_resolving_to())).host

    async def test_an_allowlisted_name_or_address_is_not_resolved(self) -> None:
        async def never(host: str, port: int) -> list[str]:
            raise AssertionError("resolved")
        await check_url_resolving("http://receiver.internal/", Policy.parse("receiver.internal"), resolve=never)
        await check_url_resolving("https://93.184.216.34/", STRICT, resolve=never)

    async def test_this_machines_own_name_is_refused_through_the_real_resolver(self) -> None:
        name = socket.gethostname().lower()
        infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
        if not any(is_blocked(ipaddress.ip_address(i[4][0])) for i in infos):
            pytest.skip(f"{name} resolves to public addresses only here")
        with pytest.raises(ValidationFailed, match="resolves to"):
            await check_url_resolving(f"https://{name}/hook", STRICT)
