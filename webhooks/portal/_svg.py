"""The delivery charts: attempts by outcome as stacked bars, latency percentiles as lines (`hub.web.svg` draws)."""

from __future__ import annotations

import math
from datetime import datetime

from markupsafe import Markup, escape

from hub.web.svg import PALETTE, H, W, frame, nice_ceiling
from webhooks.portal._stats import OUTCOMES, PERCENTILES, Series

__all__ = ["deliveries_chart", "latency_chart"]

LABELS = {"succeeded": "succeeded", "retry": "failed, retried", "failed": "failed for good"}
DASHES = {50: "", 95: "6 3", 99: "2 3"}
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 40
PLOT_W, PLOT_H = W - LEFT - RIGHT, H - TOP - BOTTOM


def _axes(series: Series, top: float, unit: str) -> list[str]:
    """Grid lines with their values on the left, and about five time labels below."""
    out = []
    for fraction in (0, 0.5, 1):
        y = TOP + PLOT_H * (1 - fraction)
        value = top * fraction
        label = f"{value:g}{unit}"
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALETTE["grid"]}"/>')
        if unit or value == int(value):  # no half attempts
            out.append(f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" fill="{PALETTE["muted"]}">'
                       f'{escape(label)}</text>')
    count = len(series.counts)
    every = max(1, math.ceil(count / 5))
    for index in range(0, count, every):
        x = LEFT + PLOT_W * (index + 0.5) / count
        out.append(f'<text x="{x:.1f}" y="{H - 12}" text-anchor="middle" fill="{PALETTE["muted"]}">'
                   f'{escape(_tick(series, series.bucket_start(index)))}</text>')
    return out


def _tick(series: Series, at: datetime) -> str:
    return at.strftime("%a %H:%M") if series.step.total_seconds() >= 6 * 3600 else at.strftime("%H:%M")


def _empty(series: Series) -> list[str]:
    return [f'<text x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H / 2}" text-anchor="middle" '
            f'fill="{PALETTE["muted"]}">No attempts in this period</text>'] if series.total == 0 else []


def deliveries_chart(series: Series, ident: str, subject: str) -> Markup:
    """Stacked bars per bucket: succeeded at the bottom, then retried, then failed for good."""
    top = nice_ceiling(max((sum(c.values()) for c in series.counts), default=0))
    slot = PLOT_W / len(series.counts)
    body = _axes(series, top, "")
    for index, counts in enumerate(series.counts):
        base, x = TOP + PLOT_H, LEFT + slot * index + slot * 0.15
        parts = [f"{counts[o]} {LABELS[o]}" for o in OUTCOMES]
        body.append(f"<g><title>{escape(_span(series, index))}: {escape(', '.join(parts))}</title>")
        for outcome in OUTCOMES:
            height = PLOT_H * counts[outcome] / top
            if height > 0:
                base -= height
                body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
                            f'fill="{PALETTE[outcome]}"/>')
        body.append("</g>")
    desc = (f"{series.total} attempts: " + ", ".join(
        f"{sum(c[o] for c in series.counts)} {LABELS[o]}" for o in OUTCOMES) + ".")
    return frame(ident, f"Deliveries over time, {subject}", desc, body + _empty(series))


def latency_chart(series: Series, ident: str, subject: str) -> Markup:
    """One line per percentile; a bucket without attempts breaks the line."""
    highest = max((v for values in series.latency.values() for v in values if v is not None), default=0)
    top = nice_ceiling(highest)
    slot = PLOT_W / len(series.counts)
    body = _axes(series, top, " ms")
    for p in PERCENTILES:
        points = [(LEFT + slot * (i + 0.5), TOP + PLOT_H * (1 - v / top)) if v is not None else None
                  for i, v in enumerate(series.latency[p])]
        dash = f' stroke-dasharray="{DASHES[p]}"' if DASHES[p] else ""
        for run in _runs(points):
            body.append(f'<polyline fill="none" stroke="{PALETTE[f"p{p}"]}" stroke-width="2"{dash} points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run) + '"/>')
        for index, point in enumerate(points):
            if point is not None:
                body.append(f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{PALETTE[f"p{p}"]}">'
                            f'<title>{escape(_span(series, index))}: p{p} {series.latency[p][index]} ms</title>'
                            f'</circle>')
    worst = max((v for v in series.latency[99] if v is not None), default=None)
    desc = f"Highest p99 in the period: {worst} ms." if worst is not None else "No attempts in this period."
    return frame(ident, f"Latency percentiles (p50, p95, p99), {subject}", desc, body + _empty(series))


def _runs(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if len(run) > 1]


def _span(series: Series, index: int) -> str:
    start, end = series.bucket_start(index), series.bucket_start(index + 1)
    return f"{start:%d %b %H:%M}–{end:%H:%M} UTC"
