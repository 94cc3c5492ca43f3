"""Reading a company's homepage the way a polite, guarded crawler does.

Every hop (robots.txt, the page, each redirect) is checked twice: statically (`check_url`: http(s) only, no
credentials, no internal host, plain http only to allowlisted hosts) and where the connection is made, by the
guarded client (`hub.user_http`), which refuses a name that resolves to an internal address. Redirects are
followed by hand, at most `max_redirects`; the body is streamed and cut off at `max_bytes` (decoded bytes, so
a compressed bomb is cut off too); the whole read has one deadline. robots.txt follows RFC 9309: a 4xx means
no rules, a 5xx or no answer means everything is disallowed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from hub.net.ssrf import Policy, UnsafeUrl, check_url

__all__ = ["HomepageFailed", "Limits", "Page", "read_homepage"]

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: parse at least the first 500 KiB
HTML_TYPES = ("text/html", "application/xhtml+xml")


class HomepageFailed(Exception):
    """The homepage was not read: `refused` (the guard, robots.txt, not HTML) or not answered in time."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason, self.refused = reason, refused


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1_000_000
    timeout: float = 10.0
    max_redirects: int = 5
    robots: bool = True
    user_agent: str = "CRMHubEnrichment/1.0"


@dataclass(frozen=True)
class Page:
    url: str  # where it was read, after redirects
    html: str
    truncated: bool


async def read_homepage(http: httpx.AsyncClient, policy: Policy, url: str, limits: Limits) -> Page:
    """The page at `url`, read within the limits; HomepageFailed says why it was not."""
    try:
        async with asyncio.timeout(limits.timeout):
            if limits.robots and not await _robots_allow(http, policy, url, limits):
                raise HomepageFailed("robots.txt disallows reading the homepage", refused=True)
            return await _page(http, policy, url, limits)
    except TimeoutError:
        raise HomepageFailed(f"the site did not answer within {limits.timeout:g} s", refused=False) from None
    except httpx.HTTPError as exc:  # broke off while the body was read
        raise HomepageFailed(f"the site could not be read ({type(exc).__name__})", refused=False) from None


async def _page(http: httpx.AsyncClient, policy: Policy, url: str, limits: Limits) -> Page:
    response, final = await _open(http, policy, url, limits)
    try:
        if response.status_code >= 400:
            raise HomepageFailed(f"the homepage answered HTTP {response.status_code}", refused=False)
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in HTML_TYPES:
            raise HomepageFailed(f"the homepage is {kind or 'untyped'}, not HTML", refused=True)
        body, truncated = await _body(response, limits.max_bytes)
    finally:
        await response.aclose()
    return Page(url=final, html=_text(body, response.charset_encoding), truncated=truncated)


def _text(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


async def _robots_allow(http: httpx.AsyncClient, policy: Policy, url: str, limits: Limits) -> bool:
    parts = urlsplit(url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        response, _ = await _open(http, policy, robots_url, limits)
    except HomepageFailed as failed:
        if failed.refused:
            raise
        return False  # unreachable: assume complete disallow
    try:
        if 400 <= response.status_code < 500:
            return True  # "unavailable": no rules apply
        if response.status_code >= 300:
            return False
        body, _ = await _body(response, ROBOTS_MAX_BYTES)
    finally:
        await response.aclose()
    parser = RobotFileParser()
    parser.parse(body.decode("utf-8", errors="replace").splitlines())
    return parser.can_fetch(limits.user_agent, url)


async def _open(http: httpx.AsyncClient, policy: Policy, url: str, limits: Limits) -> tuple[httpx.Response, str]:
    """The first answer that is not a redirect, its body unread, and the URL it came from."""
    for _ in range(limits.max_redirects + 1):
        try:
            check_url(url, policy)
        except UnsafeUrl as unsafe:
            raise HomepageFailed(f"{url} refused: {unsafe.reason}", refused=True) from None
        response = await _send(http, url, limits)
        if not response.is_redirect:
            return response, url
        await response.aclose()
        url = urljoin(url, response.headers["location"])
    raise HomepageFailed(f"more than {limits.max_redirects} redirects", refused=True)


async def _send(http: httpx.AsyncClient, url: str, limits: Limits) -> httpx.Response:
    request = http.build_request("GET", url, headers={"User-Agent": limits.user_agent,
                                                      "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"})
    try:
        return await http.send(request, stream=True, follow_redirects=False)
    except httpx.ConnectError as exc:
        blocked = "may not reach" in str(exc)  # the guard's refusal, told as a failed connection
        reason = f"{urlsplit(url).hostname} is an address the hub may not reach" if blocked else (
            f"{urlsplit(url).hostname} could not be reached")
        raise HomepageFailed(reason, refused=blocked) from None
    except httpx.HTTPError as exc:
        raise HomepageFailed(f"the site could not be read ({type(exc).__name__})", refused=False) from None


async def _body(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """Up to `max_bytes` of the decoded body, and whether there was more."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False
