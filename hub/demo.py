"""A realistic sales organization, written through the record service so every event reaches the outbox."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.catalog import ActionContext
from hub.db import utcnow
from hub.errors import NotFound
from hub.records import service
from hub.records.conversion import LeadConversion, convert
from hub.records.definitions import ACTIVITIES, COMPANIES, CONTACTS, DEALS, LEADS, LINE_ITEMS, PRODUCTS, USERS
from hub.records.models import Pipeline
from hub.records.resource import Resource
from hub.tenancy.auth import Principal
from hub.tenancy.models import Organization
from hub.tenancy.service import create_org

__all__ = ["populate"]

TEAM = [("Dana Reyes", "manager"), ("Marcus Chen", "manager"), ("Priya Natarajan", "rep"),
        ("Tom Okafor", "rep"), ("Elena Kowalski", "rep"), ("Sam Whitfield", "rep")]

# name | industry | city | region | country | US area code
COMPANY_POOL = """\
Bluefin Logistics|Logistics|Seattle|WA|US|206
Cascade Health Partners|Healthcare|Portland|OR|US|503
Summit Ridge Capital|Financial Services|Denver|CO|US|303
Ironclad Manufacturing|Manufacturing|Cleveland|OH|US|216
Brightpath Learning|Education|Austin|TX|US|512
Harborview Retail Group|Retail|Boston|MA|US|617
Pinecrest Software|Software|San Francisco|CA|US|415
Redwood Analytics|Software|San Jose|CA|US|408
Meridian Energy|Energy|Houston|TX|US|713
Lakeside Foods|Food & Beverage|Chicago|IL|US|312
Keystone Builders|Construction|Philadelphia|PA|US|215
Silverline Telecom|Telecommunications|Atlanta|GA|US|404
Northstar Media|Media|New York|NY|US|212
Coastal Hospitality Group|Hospitality|Miami|FL|US|305
Evergreen Biotech|Biotechnology|San Diego|CA|US|619
Copper Canyon Solar|Energy|Phoenix|AZ|US|602
Tidewater Pharmaceuticals|Pharmaceuticals|Raleigh|NC|US|919
Thames Valley Insurance|Insurance|Reading|England|GB|
Maple Leaf Outfitters|Retail|Toronto|ON|CA|
Rheinwerk Automation|Manufacturing|Stuttgart|BW|DE|
Lumiere Cosmetics|Consumer Goods|Lyon|ARA|FR|
Fjord Maritime|Shipping|Bergen|Vestland|NO|
Kookaburra Travel|Travel|Sydney|NSW|AU|
Sakura Robotics|Robotics|Osaka|Osaka|JP|
Grachten Payments|Financial Services|Amsterdam|NH|NL|
Lotus Cloud Services|Software|Bengaluru|KA|IN|"""

FIRST = ("Olivia Liam Emma Noah Ava Mateo Sofia Lucas Mia Ethan Amara Hiro Chloe Rahul Zoe Diego Hannah "
         "Omar Grace Felix Nina Jonas Leah Arjun Isabel Kwame Clara Yuki Aisha Daniel").split()
LAST = ("Smith Garcia Johnson Nguyen Patel Kim Meyer Rossi Silva Brown Tanaka Dubois Wilson Martin Lopez "
        "Cohen Murphy Schmidt Singh Okafor Park Moreau Jensen Costa Walker Ali Fischer Lee Reed").split()
TITLES = ("CEO", "CFO", "CTO", "VP of Sales", "VP of Operations", "Head of IT", "Procurement Manager",
          "Operations Director", "Finance Manager", "IT Director", "Product Manager", "Office Manager")
LEAD_WORDS = ("Atlas Vertex Orbit Nimbus Quantum Beacon Crescent Falcon Horizon Juniper Aurora".split(),
              "Dynamics Labs Systems Partners Networks Studios Ventures Health Foods Solutions Works".split())
SOURCES = ("website", "webinar", "referral", "trade show", "cold call", "linkedin", "partner")
PRODUCTS_DATA = [("Starter seat (annual)", "NW-START-1Y", 240, "One Starter seat for a year."),
                 ("Pro seat (annual)", "NW-PRO-1Y", 600, "One Pro seat for a year, with automation."),
                 ("Enterprise seat (annual)", "NW-ENT-1Y", 1200, "One Enterprise seat with SSO and audit."),
                 ("Onboarding package", "NW-ONBOARD", 5000, "Guided setup and admin training."),
                 ("Premium support (annual)", "NW-SUP-1Y", 8000, "24/7 support with a named engineer.")]
DEAL_LABELS = ("Platform rollout", "Expansion", "Renewal", "Pilot", "Annual contract", "Regional rollout")
LOST_REASONS = ("Went with a competitor", "No budget this year", "Project postponed", "Missing integration",
                "No decision maker engaged")
ACTIVITY_TEXT = {
    "call": ("Discovery call", "Follow-up call", "Pricing discussion", "Check-in call", "Renewal call"),
    "email": ("Proposal attached", "Next steps", "Security questionnaire", "Recap of our meeting", "Quote"),
    "meeting": ("Product demo", "Kickoff meeting", "Executive briefing", "Deep dive", "Contract review"),
    "note": ("Budget approved for next quarter.", "Champion is the VP of Operations.", "Evaluating rivals.",
             "Legal review takes two weeks.", "Wants SSO and audit logs before signing."),
}


async def populate(session: AsyncSession, *, org_id: str | None, seed: int) -> dict[str, Any]:
    """Fill an organization (a new one when org_id is None) with demo data; answers a summary."""
    rng, summary = random.Random(seed), {}
    if org_id is None:
        org, token = await create_org(session, "Northwind Traders")
        org_id, summary = org.id, {"org_id": org.id, "api_key": token}
    elif await session.get(Organization, org_id) is None:
        raise NotFound(f"No organization {org_id!r}.")
    principal = Principal(key_id="demo", org_id=org_id, prefix="demo", scopes=frozenset({"admin"}))
    ctx = ActionContext(session=session, principal=principal)
    users = [await _ensure(ctx, USERS, "email", fields) for fields in _users()]
    products = [await _ensure(ctx, PRODUCTS, "sku", {"name": name, "sku": sku, "unit_price": Decimal(price),
                                                      "description": text})
                for name, sku, price, text in PRODUCTS_DATA]
    owners = [u.id for u in users]
    companies = [await _create(ctx, COMPANIES, f) for f in _companies(rng, owners)]
    contacts = [await _create(ctx, CONTACTS, f) for f in _contacts(rng, companies)]
    leads = [await _create(ctx, LEADS, f) for f in _leads(rng, owners)]
    stages = await _stages(ctx)
    converted = [await convert(ctx, lead.id, LeadConversion(
        create_deal=True, deal_name=f"{lead.company_name}: Pilot", deal_stage=stages[min(1, len(stages) - 1)],
        deal_amount=Decimal(rng.randrange(5, 40) * 1000))) for lead in leads[:3]]
    companies += [c.company for c in converted]
    contacts += [c.contact for c in converted]
    deals, line_items = await _deals(ctx, rng, stages, companies, contacts, products)
    deals += [c.deal for c in converted]
    activities = [await _create(ctx, ACTIVITIES, f) for f in _activities(rng, owners, contacts, deals)]
    won, lost = (sum(d.status == status for d in deals) for status in ("won", "lost"))
    return summary | {
        "users": len(users), "products": len(products), "companies": len(companies), "leads": len(leads),
        "contacts": len(contacts), "converted_leads": len(converted), "deals": len(deals), "deals_won": won,
        "deals_lost": lost, "line_items": line_items, "activities": len(activities)}


async def _create(ctx: ActionContext, r: Resource, fields: dict[str, Any]) -> Any:
    """Create one record exactly as the API would."""
    return await service.create(ctx, r, r.create(**fields))


async def _ensure(ctx: ActionContext, r: Resource, key: str, fields: dict[str, Any]) -> Any:
    """The record whose unique `key` matches, made when absent, so an organization can be filled twice."""
    found = await service.find(ctx, r, {key: fields[key]}, limit=1)
    return found[0] if found else await _create(ctx, r, fields)


async def _stages(ctx: ActionContext) -> list[str]:
    """Stage keys of the organization's default pipeline."""
    stages = await ctx.session.scalar(select(Pipeline.stages).where(Pipeline.org_id == ctx.org_id)
                                      .order_by(Pipeline.is_default.desc(), Pipeline.id).limit(1))
    return [stage["key"] for stage in stages]


def _slug(name: str) -> str:
    """A domain label made from a name."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _phone(area: str, rng: random.Random) -> str:
    """A number in the fictional 555-01xx range of a US area code."""
    return f"+1{area}5550{rng.randrange(100, 200)}"


def _users() -> list[dict[str, Any]]:
    """The sales team."""
    return [{"name": name, "role": role, "email": f"{name.lower().replace(' ', '.')}@northwind.example",
             "phone": f"+14155550{110 + i}"} for i, (name, role) in enumerate(TEAM)]


def _companies(rng: random.Random, owners: list[str]) -> list[dict[str, Any]]:
    """Twenty-five customers and prospects across industries and countries."""
    rows = rng.sample([line.split("|") for line in COMPANY_POOL.splitlines()], 25)
    return [{"name": name, "domain": f"{_slug(name)}.example", "website": f"https://{_slug(name)}.example",
             "industry": industry, "city": city, "region": region, "country": country,
             "phone": _phone(area, rng) if area else None, "owner_id": rng.choice(owners),
             "employee_count": (size := rng.choice((12, 45, 120, 350, 800, 2400, 9000))),
             "annual_revenue": Decimal(size * rng.randrange(80, 400) * 1000)}
            for name, industry, city, region, country, area in rows]


def _person(rng: random.Random, domain: str, seen: set[str]) -> dict[str, Any]:
    """A name and email not used before in this run."""
    while True:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if (email := f"{first}.{last}@{domain}".lower()) not in seen:
            seen.add(email)
            return {"first_name": first, "last_name": last, "email": email, "title": rng.choice(TITLES)}


def _contacts(rng: random.Random, companies: list[Any]) -> list[dict[str, Any]]:
    """Sixty people, at least one at every company."""
    seen: set[str] = set()
    picks = companies + [rng.choice(companies) for _ in range(60 - len(companies))]
    return [{**_person(rng, c.domain, seen), "company_id": c.id, "owner_id": c.owner_id, "city": c.city,
             "country": c.country, "phone": _phone(c.phone[2:5], rng) if c.phone else None} for c in picks]


def _leads(rng: random.Random, owners: list[str]) -> list[dict[str, Any]]:
    """Thirty prospects; the first three are qualified, ready to convert."""
    seen: set[str] = set()
    statuses = ["qualified"] * 3 + rng.choices(("new", "contacted", "qualified", "unqualified"),
                                               weights=(4, 3, 2, 1), k=27)
    leads = []
    for status in statuses:
        company = f"{rng.choice(LEAD_WORDS[0])} {rng.choice(LEAD_WORDS[1])}"
        leads.append({**_person(rng, f"{_slug(company)}.example", seen), "company_name": company,
                      "phone": _phone(rng.choice(("212", "312", "415", "512", "617")), rng), "status": status,
                      "source": rng.choice(SOURCES), "owner_id": rng.choice(owners)})
    return leads


def _line_plan(rng: random.Random, products: list[Any]) -> list[tuple[Any, Decimal, Decimal]]:
    """One to three (product, quantity, discount percent) lines; seats sell by the dozen, the rest singly."""
    picked = rng.sample(products, rng.randint(1, 3))
    return [(p, Decimal(rng.randrange(5, 200) if "seat" in p.name else 1), Decimal(rng.choice((0, 5, 10))))
            for p in picked]


async def _deals(ctx: ActionContext, rng: random.Random, stages: list[str], companies: list[Any],
                 contacts: list[Any], products: list[Any]) -> tuple[list[Any], int]:
    """Forty deals across the stages, some won and some lost; answers them and the line items made."""
    today, deals, items = utcnow().date(), [], 0
    outcomes = ["won"] * 7 + ["lost"] * 5 + ["open"] * 28
    rng.shuffle(outcomes)
    for outcome in outcomes:
        company = rng.choice(companies)
        people = [c.id for c in contacts if c.company_id == company.id]
        lines = _line_plan(rng, products) if rng.random() < 0.4 else []
        priced = sum((q * p.unit_price * (100 - d) / 100).quantize(Decimal("0.01")) for p, q, d in lines)
        days = rng.randrange(-60, 0) if outcome != "open" else rng.randrange(7, 150)
        deal = await _create(ctx, DEALS, {
            "name": f"{company.name}: {rng.choice(DEAL_LABELS)}", "owner_id": company.owner_id,
            "company_id": company.id, "contact_id": rng.choice(people) if people else None,
            "amount": Decimal(priced) if lines else Decimal(rng.randrange(4, 120) * 500),
            "stage": stages[-1] if outcome == "won" else rng.choice(stages),
            "expected_close": today + timedelta(days=days)})
        for product, quantity, discount in lines:
            await _create(ctx, LINE_ITEMS, {"deal_id": deal.id, "product_id": product.id,
                                            "quantity": quantity, "discount_percent": discount})
        if outcome != "open":
            reason = rng.choice(LOST_REASONS) if outcome == "lost" else None
            deal = await service.update(ctx, DEALS, deal.id, DEALS.update(status=outcome, lost_reason=reason))
        deals.append(deal)
        items += len(lines)
    return deals, items


def _activities(rng: random.Random, owners: list[str], contacts: list[Any], deals: list[Any]) -> list[dict]:
    """Eighty calls, emails, meetings and notes over the last quarter, on deals and their people."""
    now, made = utcnow(), []
    for kind in rng.choices(("call", "email", "meeting", "note"), weights=(4, 4, 2, 2), k=80):
        deal = rng.choice(deals) if rng.random() < 0.6 else None
        made.append({"type": kind, "owner_id": deal.owner_id if deal else rng.choice(owners),
                     "deal_id": deal.id if deal else None, "company_id": deal.company_id if deal else None,
                     "contact_id": deal.contact_id if deal else rng.choice(contacts).id,
                     "occurred_at": now - timedelta(minutes=rng.randrange(30, 90 * 24 * 60)),
                     **_details(rng, kind, rng.choice(ACTIVITY_TEXT[kind]))})
    return made


def _details(rng: random.Random, kind: str, text: str) -> dict[str, Any]:
    """The fields that differ by activity type."""
    if kind == "note":
        return {"body": text}
    if kind == "meeting":
        return {"subject": text, "duration_seconds": rng.choice((1800, 2700, 3600))}
    fields = {"subject": text, "direction": rng.choice(("outbound", "outbound", "inbound"))}
    if kind == "email":
        return fields | {"body": f"{text}: following up on our conversation."}
    return fields | {"duration_seconds": rng.randrange(60, 2400, 30),
                     "outcome": rng.choice(("connected", "left voicemail", "no answer"))}
