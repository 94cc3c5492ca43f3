"""Facts about a company from its homepage's structured data: schema.org `Organization` in JSON-LD or
microdata, OpenGraph, and as a last resort the meta description and links to its social profiles.

`extruct` reads the structured data (one parser for JSON-LD, microdata and OpenGraph, tolerant of broken
markup); lxml, which it stands on, reads the meta tags and links. Nothing on the page is followed as an
instruction: values are kept as text, cut to the length their field holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct
import lxml.html

from hub.enrichment import Fact

__all__ = ["company_facts"]

# How sure a fact is, by where the page states it: markup made for machines beats text made for people.
SCHEMA, OPENGRAPH, META, LINK = 0.9, 0.7, 0.5, 0.6
ORGANIZATION_TYPES = {"Organization", "Corporation", "LocalBusiness", "OnlineBusiness", "OnlineStore", "NGO",
                      "EducationalOrganization", "NewsMediaOrganization", "ProfessionalService", "Store"}
SOCIAL_HOSTS = {"linkedin.com": "linkedin", "twitter.com": "twitter", "x.com": "twitter", "facebook.com": "facebook",
                "instagram.com": "instagram", "youtube.com": "youtube", "github.com": "github",
                "crunchbase.com": "crunchbase"}
MAX_TEXT = {"description": 2000, "name": 200, "legal_name": 200, "street": 200}
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def company_facts(html: str, url: str) -> list[Fact]:
    """Every fact the page states about the company it belongs to, the surest first for each field."""
    if not html.strip():
        return []
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata", "opengraph"], uniform=True,
                           errors="ignore")
    found = [*_schema(data, url), *_opengraph(data), *_page(html, url)]
    return _best(found, url)


def _schema(data: dict[str, Any], url: str) -> Iterator[tuple[str, Any, float]]:
    for item in _items(data.get("json-ld", [])) + _items(data.get("microdata", [])):
        if _types(item) & ORGANIZATION_TYPES:
            yield from _organization(item, url)


def _items(found: list[Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in found:
        if isinstance(item, dict):
            items += [item] + _items(item.get("@graph") or [])
    return items


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _organization(item: dict[str, Any], url: str) -> Iterator[tuple[str, Any, float]]:
    for name, field in (("name", "name"), ("legalName", "legal_name"), ("description", "description"),
                        ("telephone", "phone"), ("email", "email"), ("url", "website")):
        yield field, _text(item.get(name)), SCHEMA
    logo = item.get("logo")
    logo = logo.get("url") or logo.get("contentUrl") if isinstance(logo, dict) else logo
    yield "logo", urljoin(url, logo) if isinstance(logo, str) and logo else None, SCHEMA
    year = _YEAR.search(str(item.get("foundingDate") or ""))
    yield "founded_year", int(year.group(1)) if year else None, SCHEMA
    yield from _employees(item.get("numberOfEmployees"))
    yield from _address(item.get("address"))
    same_as = item.get("sameAs") or []
    for link in same_as if isinstance(same_as, list) else [same_as]:
        yield _social(link), link, SCHEMA


def _employees(value: Any) -> Iterator[tuple[str, Any, float]]:
    if isinstance(value, dict):
        low, high = value.get("minValue"), value.get("maxValue")
        if low is not None and high is not None:
            yield "employee_range", f"{_int(low)}-{_int(high)}", SCHEMA
        value = value.get("value")
    number = _int(value)
    yield "employee_count", number, SCHEMA


def _address(value: Any) -> Iterator[tuple[str, Any, float]]:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return
    for name, field in (("streetAddress", "street"), ("addressLocality", "city"), ("addressRegion", "region"),
                        ("postalCode", "postal_code")):
        yield field, _text(value.get(name)), SCHEMA
    country = value.get("addressCountry")
    country = country.get("name") if isinstance(country, dict) else country
    code = _text(country)
    yield "country", code.upper() if code and re.fullmatch(r"[A-Za-z]{2}", code) else None, SCHEMA


def _opengraph(data: dict[str, Any]) -> Iterator[tuple[str, Any, float]]:
    for item in data.get("opengraph", []):
        if isinstance(item, dict):
            yield "name", _text(item.get("og:site_name")), OPENGRAPH
            yield "description", _text(item.get("og:description")), OPENGRAPH


def _page(html: str, url: str) -> Iterator[tuple[str, Any, float]]:
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return
    for content in tree.xpath("//meta[@name='description']/@content")[:1]:
        yield "description", _text(content), META
    for href in tree.xpath("//a/@href")[:2000]:
        link = urljoin(url, str(href))
        if (network := _social(link)) is not None and _profile(link):
            yield network, link, LINK


def _social(link: Any) -> str | None:
    if not isinstance(link, str):
        return None
    host = (urlsplit(link).hostname or "").removeprefix("www.")
    return SOCIAL_HOSTS.get(host)


def _profile(link: str) -> bool:
    """A link to a profile, not to a share button or a single post."""
    path = urlsplit(link).path.strip("/")
    return bool(path) and not re.search(r"share|intent|sharer|status/|/posts?/|watch", path)


def _best(found: list[tuple[str, Any, float]], url: str) -> list[Fact]:
    """One fact per field and value, at its best confidence; values cut to what their field holds."""
    best: dict[tuple[str, Any], float] = {}
    for field, value, confidence in found:
        if field is None or value in (None, ""):
            continue
        if isinstance(value, str):
            value = value[:MAX_TEXT.get(field, 500)]
        key = (field, value)
        best[key] = max(confidence, best.get(key, 0.0))
    return [Fact(field, value, confidence, url)  # type: ignore[arg-type]
            for (field, value), confidence in sorted(best.items(), key=lambda kv: (kv[0][0], -kv[1]))]


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text or None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None
