"""The territory map as SVG: which territory covers each US state or country (by its rules' geographic
items, inherited down the hierarchy; the deepest wins), coloured per territory, with its counts and amounts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from core_features.territories.geo import US_STATES, world_tiles
from hub.web.svg import PALETTE, frame

__all__ = ["COLOURS", "Coverage", "Figures", "coverage", "draw"]

# Dark enough for white text at 4.5:1.
COLOURS = ("#0550ae", "#8250df", "#bc4c00", "#1a7f37", "#cf222e", "#9a6700", "#116329", "#a40e26", "#6639ba",
           "#0a3069", "#953800", "#1b4721")
EMPTY = PALETTE["grid"]


@dataclass(frozen=True)
class Figures:
    """What a territory holds: records whose primary territory it is, and its open deals' amounts."""

    records: int = 0
    amounts: str = ""


@dataclass
class Coverage:
    countries: dict[str, Any]  # code → the territory covering the whole country
    states: dict[str, Any]  # US state code → the territory covering it
    colours: dict[str, str]  # territory id → colour


def _places(rules: Iterable[Any], operator: str) -> set[str]:
    return {str(v).strip().upper() for r in rules for i in r.items if i.get("operator") == operator
            for v in (i.get("value") or [])}


def coverage(territories: Sequence[Any], rules: Sequence[Any]) -> Coverage:
    """Each place's territory: the deepest one whose own rules name it (states are read in the countries the
    territory or its nearest ancestor names); a territory naming no place claims none on the map."""
    by_territory: dict[str, list[Any]] = {}
    for rule in rules:
        by_territory.setdefault(rule.territory_id, []).append(rule)
    countries: dict[str, set[str]] = {}
    out = Coverage({}, {}, {t.id: COLOURS[n % len(COLOURS)] for n, t in enumerate(territories)})
    for t in sorted(territories, key=lambda t: t.depth):  # parents first, so deeper territories win
        own = by_territory.get(t.id, [])
        named, states = _places(own, "country_in"), _places(own, "region_in")
        # The countries a territory's states are read in: its own, or its nearest ancestor's.
        countries[t.id] = named or countries.get(t.parent_id or "", set())
        if named and not states:
            out.countries.update((code, t) for code in named)
        if states and ("US" in countries[t.id] or not countries[t.id]):
            out.states.update((code, t) for code in states if code in US_STATES)
        elif "US" in named and not states:
            out.states.update((code, t) for code in US_STATES)
    return out


def _label(code: str, territory: Any | None, figures: dict[str, Figures]) -> str:
    if territory is None:
        return f"{code}: no territory"
    f = figures.get(territory.id, Figures())
    return f"{code}: {territory.name}, {f.records} records" + (f", open {f.amounts}" if f.amounts else "")


def _tile(x: float, y: float, size: float, code: str, territory: Any | None, colour: str,
          figures: dict[str, Figures]) -> str:
    ink = "#ffffff" if territory is not None else PALETTE["text"]
    return (f'<g class="place" data-code="{code}"><title>{escape(_label(code, territory, figures))}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{size - 3:.1f}" height="{size - 3:.1f}" rx="3" fill="{colour}"/>'
            f'<text x="{x + (size - 3) / 2:.1f}" y="{y + size / 2 + 4:.1f}" text-anchor="middle" fill="{ink}" '
            f'font-size="{12 if size > 30 else 9}">{code}</text></g>')


def draw(view: str, cover: Coverage, figures: dict[str, Figures]) -> Markup:
    """The map of `view` (`us` or `world`)."""
    owners = cover.states if view == "us" else cover.countries
    cells = US_STATES if view == "us" else world_tiles()
    size = 46.0 if view == "us" else 17.0
    left, top = min(c for c, _ in cells.values()), min(r for _, r in cells.values())
    body = [_tile((c - left) * size + 4, (r - top) * size + 4, size, code, owners.get(code),
                  cover.colours[owners[code].id] if code in owners else EMPTY, figures)
            for code, (c, r) in cells.items()]
    width = (max(c for c, _ in cells.values()) - left + 1) * size + 8
    height = (max(r for _, r in cells.values()) - top + 1) * size + 8
    named = sorted({t.name for t in owners.values()})
    title = "Territories by US state" if view == "us" else "Territories by country"
    desc = f"{len(owners)} places in {len(named)} territories: {', '.join(named)}." if named else "No territory " \
        "names a place yet."
    return frame(f"map-{view}", title, desc, body, width=int(width), height=int(height))


def swatch(colour: str) -> Markup:
    """A small square of a territory's colour, for the legend (SVG: the pages allow no inline style)."""
    return Markup(f'<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
                  f'<rect width="12" height="12" rx="2" fill="{escape(colour)}"/></svg>')
