"""Scores people can act on: a 1–99 score or calibrated probability, a bucket, and the factors behind it.

Two regimes, and every score says which one made it: `model`, the organization's trained model, whose
factors are measured by setting each feature back to its typical value and scoring again (so a factor's
points are exactly how far that input moves this score); and `rules`, a transparent fit score used while
history is thin, whose factors are its own rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from core_features.insights.training import occluded

__all__ = ["Scored", "bucket", "describe", "explain_model", "rule_score", "to_score"]

TOP_FACTORS = 3
_single = None


@dataclass
class Scored:
    score: int
    probability: float
    regime: str
    factors: list[dict[str, Any]]
    model_version: int | None = None


def to_score(probability: float) -> int:
    """A probability as a 1–99 score."""
    return max(1, min(99, 1 + round(98 * probability)))


def bucket(score: int, hot: int, warm: int) -> str:
    return "hot" if score >= hot else "warm" if score >= warm else "cold"


def explain_model(model: Any, row: dict[str, float | str], baseline: dict[str, float | str], version: int,
                  labels: dict[str, str]) -> Scored:
    """The model's probability for `row` and its strongest factors, one batch of predictions for all of them."""
    global _single
    if _single is None:  # once per process: model work stays on one core beside the API
        _single = threadpool_limits(limits=1)
    variants = occluded(row, baseline)
    p = model.predict_proba([row, *(v for _, v in variants)])[:, 1]
    score = to_score(float(p[0]))
    moves = [(name, score - to_score(float(q))) for (name, _), q in zip(variants, p[1:])]
    factors = [_factor(name, row[name], points, labels) for name, points in moves if points]
    return Scored(score=score, probability=round(float(p[0]), 4), regime="model", factors=_top(factors),
                  model_version=version)


def _top(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    up = sorted((f for f in factors if f["points"] > 0), key=lambda f: -f["points"])[:TOP_FACTORS]
    down = sorted((f for f in factors if f["points"] < 0), key=lambda f: f["points"])[:TOP_FACTORS]
    return up + down


def _factor(name: str, value: float | str, points: int, labels: dict[str, str]) -> dict[str, Any]:
    return {"feature": name, "value": value, "points": points,
            "text": f"{describe(name, value, labels)}: {points:+d}"}


_CATEGORY = {
    "email_domain": {"company": "Email on a company domain", "free": "Email on a free webmail domain",
                     "disposable": "Email on a disposable domain", "none": "No email address"},
    "seniority": {"executive": "Title reads as an executive", "manager": "Title reads as a manager",
                  "staff": "Title reads as staff", "none": "No title"},
}
_COUNTS = {"activities_call": "call", "activities_email": "email", "activities_meeting": "meeting",
           "activities_note": "note", "activities_inbound": "inbound touch",
           "competitors": "competitor in the deal", "contacts": "contact involved",
           "account_prior_wins": "earlier win with the account", "close_date_pushes": "close-date push",
           "stage_changes": "stage change"}


def describe(name: str, value: float | str, labels: dict[str, str]) -> str:
    """A feature and its value in words ("3 calls logged", "Stage is proposal")."""
    if name in _CATEGORY:
        return _CATEGORY[name].get(str(value), f"{name.replace('_', ' ').capitalize()} is {value}")
    if name in _COUNTS:
        n = int(float(value))
        return f"{n} {_COUNTS[name]}{'' if n == 1 else 's'}"
    if name == "activities_last_7_days":
        return f"{int(float(value))} activities in the last 7 days"
    if name == "days_since_activity":
        return "Never touched" if float(value) >= 365 else f"Last touched {float(value):.0f} days ago"
    if name in ("has_phone", "has_company"):
        return f"{'Has' if value else 'No'} {name.removeprefix('has_')} {'given' if value else 'on record'}"
    if name == "log_amount":
        return "Amount of this size"
    if name.endswith("_days") or name.startswith("days_"):
        return f"{name.replace('_', ' ').capitalize()}: {float(value):.0f}"
    label = labels.get(name, name.removeprefix("cf_").replace("_", " ").capitalize())
    if isinstance(value, str):
        return f"{label} is {value}"
    return f"{label}: {float(value):g}"


def rule_score(kind: str, row: dict[str, float | str], labels: dict[str, str]) -> Scored:
    """The transparent fit score used while history is thin: a base plus fixed points per rule."""
    base, rules = (40, _lead_rules(row)) if kind == "lead" else _deal_rules(row)
    score = max(1, min(99, base + sum(points for _, points in rules)))
    factors = [_factor(name, row.get(name, 0.0), points, labels) for name, points in rules if points]
    return Scored(score=score, probability=round(score / 100, 4), regime="rules", factors=_top(factors))


def _lead_rules(row: dict[str, float | str]) -> list[tuple[str, int]]:
    domain = {"company": 10, "free": -5, "disposable": -25, "none": -10}
    level = {"executive": 12, "manager": 6, "staff": 0, "none": -3}
    touches = sum(float(row.get(f"activities_{k}", 0)) for k in ("call", "email", "meeting"))
    return [("email_domain", domain.get(str(row.get("email_domain")), 0)),
            ("seniority", level.get(str(row.get("seniority")), 0)),
            ("has_phone", 5 if row.get("has_phone") else 0),
            ("activities_meeting", min(15, 8 * int(float(row.get("activities_meeting", 0))))),
            ("activities_inbound", min(12, 4 * int(float(row.get("activities_inbound", 0))))),
            ("activities_last_7_days", min(10, 3 * int(float(row.get("activities_last_7_days", 0))))),
            ("days_since_activity", -10 if touches and float(row.get("days_since_activity", 0)) > 30 else 0)]


def _deal_rules(row: dict[str, float | str]) -> tuple[int, list[tuple[str, int]]]:
    base = round(100 * float(row.get("stage_probability", 0.3)))
    past_due = float(row.get("days_to_expected_close", 0)) < 0
    return base, [
        ("days_in_stage", -10 if float(row.get("days_in_stage", 0)) > 30 else 0),
        ("close_date_pushes", -5 * min(3, int(float(row.get("close_date_pushes", 0))))),
        ("days_to_expected_close", -10 if past_due else 0),
        ("contacts", 5 if float(row.get("contacts", 0)) >= 2 else 0),
        ("activities_last_7_days", min(10, 3 * int(float(row.get("activities_last_7_days", 0))))),
        ("account_prior_wins", min(10, 5 * int(float(row.get("account_prior_wins", 0))))),
        ("competitors", -5 * min(2, int(float(row.get("competitors", 0)))))]
