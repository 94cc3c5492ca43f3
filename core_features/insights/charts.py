"""The insights page's charts, as SVG on the hub's frame: gains (lift), calibration, feature importance."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from hub.web.svg import PALETTE, H, W, bar_rows, frame

__all__ = ["calibration_chart", "gains_chart", "importance_chart"]

LEFT, RIGHT, TOP, BOTTOM = 60, 20, 15, 45


def _xy(x: float, y: float) -> tuple[float, float]:
    return LEFT + x * (W - LEFT - RIGHT), TOP + (1 - y) * (H - TOP - BOTTOM)


def _axes(x_label: str, y_label: str) -> list[str]:
    out = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x0, y0 = _xy(0, tick)
        x1, _ = _xy(1, tick)
        out.append(f'<line x1="{x0}" y1="{y0:.1f}" x2="{x1}" y2="{y0:.1f}" stroke="{PALETTE["grid"]}"/>'
                   f'<text x="{x0 - 6}" y="{y0 + 5:.1f}" text-anchor="end" fill="{PALETTE["muted"]}">'
                   f'{tick * 100:.0f}%</text>')
        tx, ty = _xy(tick, 0)
        out.append(f'<text x="{tx:.1f}" y="{ty + 20:.1f}" text-anchor="middle" fill="{PALETTE["muted"]}">'
                   f'{tick * 100:.0f}%</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 5}" text-anchor="middle" fill="{PALETTE["text"]}">'
               f'{escape(x_label)}</text>')
    out.append(f'<text x="14" y="{TOP + 4}" fill="{PALETTE["text"]}" font-size="13">{escape(y_label)}</text>')
    return out


def _line(points: list[tuple[float, float]], colour: str, label: str) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_xy(a, b) for a, b in points))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(label)}: '
                   f'{a * 100:.0f}% → {b * 100:.0f}%</title></circle>' for (a, b), (x, y)
                   in zip(points, (_xy(a, b) for a, b in points)))
    return f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>{dots}'


def _diagonal() -> str:
    (x0, y0), (x1, y1) = _xy(0, 0), _xy(1, 1)
    return (f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{PALETTE["muted"]}" '
            f'stroke-dasharray="6 5"/>')


def gains_chart(ident: str, metrics: dict[str, Any]) -> Markup:
    """Share of positive outcomes found in the top share of held-out records ranked by score; the dashed
    diagonal is what a random order finds."""
    points = [(0.0, 0.0)] + [(g["share"], g["captured"]) for g in metrics.get("gains", [])]
    desc = "; ".join(f"top {x * 100:.0f}%: {y * 100:.0f}% of positives" for x, y in points[1:])
    return frame(ident, "Gains: positives found in the top share of scores (held-out outcomes)", desc,
                 [*_axes("Share of records, highest scores first", "Positives found"), _diagonal(),
                  _line(points, PALETTE["link"], "Top share")])


def calibration_chart(ident: str, metrics: dict[str, Any]) -> Markup:
    """Observed share of positives against the predicted probability, per bin; on the diagonal is calibrated."""
    points = [(c["predicted"], c["observed"]) for c in metrics.get("calibration", [])]
    desc = "; ".join(f"predicted {x * 100:.0f}%: observed {y * 100:.0f}%" for x, y in points)
    return frame(ident, "Calibration: predicted probability against observed outcomes (held-out)", desc,
                 [*_axes("Predicted probability", "Observed"), _diagonal(),
                  _line(points, PALETTE["p95"], "Predicted")])


def importance_chart(ident: str, features: list[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """The features that move held-out probabilities most when set back to their typical value."""
    top = features[:10]
    rows = [(labels.get(f["feature"], f["feature"]), f["importance"], f"{f['importance'] * 100:.1f} pts")
            for f in top]
    return bar_rows(ident, "Feature importance: mean move in probability when set to typical", rows)
