"""Charts drawn on the server as SVG, for every page of the hub: the palette, the frame, and scales.

Presentation attributes only (no inline style), so the pages' Content-Security-Policy needs no exception;
colours come from `PALETTE`, which the stylesheet also uses, and every colour passes 4.5:1 on white.
"""

from __future__ import annotations

import math
from typing import Iterable

from markupsafe import Markup, escape

__all__ = ["H", "PALETTE", "W", "bar_rows", "frame", "nice_ceiling"]

PALETTE = {"text": "#1f2328", "muted": "#59636e", "grid": "#d1d9e0", "link": "#0550ae", "focus": "#0550ae",
           "surface": "#f6f8fa", "succeeded": "#1a7f37", "retry": "#9a6700", "failed": "#cf222e",
           "p50": "#0550ae", "p95": "#8250df", "p99": "#bc4c00",
           # badges: dark text on a light tint of the same hue
           "ok_text": "#116329", "ok_tint": "#dafbe1", "warn_text": "#7d4e00", "warn_tint": "#fff8c5",
           "bad_text": "#a40e26", "bad_tint": "#ffebe9", "idle_tint": "#eef1f4"}
W, H = 640, 250  # in user units; a chart scales to its column, so text is sized for about 500 px


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def frame(ident: str, title: str, desc: str, body: Iterable[str], *, width: int = W, height: int = H) -> Markup:
    """An accessible chart: its title and description name it for screen readers, `body` draws it."""
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="15">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def bar_rows(ident: str, title: str, rows: list[tuple[str, float, str]], *, top: float | None = None,
             colour: str = PALETTE["link"]) -> Markup:
    """One horizontal bar per row of (label, value, value as text), longest at `top` (the largest by default)."""
    row_height, label_width, right = 30, 180, 90
    height = max(1, len(rows)) * row_height + 10
    scale = top if top is not None else max((v for _, v, _ in rows), default=0) or 1
    body: list[str] = []
    for index, (label, value, text) in enumerate(rows):
        y = 5 + index * row_height
        width = (W - label_width - right) * max(0.0, min(value / scale, 1.0))
        body.append(f'<g><title>{escape(label)}: {escape(text)}</title>'
                    f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" fill="{PALETTE["text"]}">'
                    f'{escape(label[:24])}</text>'
                    f'<rect x="{label_width}" y="{y + 5}" width="{width:.1f}" height="{row_height - 10}" '
                    f'fill="{colour}"/>'
                    f'<text x="{label_width + width + 6:.1f}" y="{y + 20}" fill="{PALETTE["muted"]}">{escape(text)}</text>'
                    f'</g>')
    if not rows:
        body.append(f'<text x="{W / 2}" y="25" text-anchor="middle" fill="{PALETTE["muted"]}">Nothing to show</text>')
    desc = "; ".join(f"{label}: {text}" for label, _, text in rows) or "Nothing to show."
    return frame(ident, title, desc, body, height=height)
