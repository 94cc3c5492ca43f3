"""Pay periods: a month (`2026-03`), a quarter (`2026-Q1`) or a year (`2026`), as [start, end) dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hub.errors import ValidationFailed

__all__ = ["Period", "containing", "parse"]

_FORMS = {"month": re.compile(r"^(\d{4})-(\d{2})$"), "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
          "year": re.compile(r"^(\d{4})$")}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # the day after its last
    kind: str
    label: str

    def next(self) -> Period:
        return containing(self.kind, self.end)

    def previous(self) -> Period:
        return containing(self.kind, date.fromordinal(self.start.toordinal() - 1))


def containing(kind: str, day: date) -> Period:
    """The period of this kind that `day` falls in."""
    if kind == "month":
        return _months(day.year, day.month, 1, kind, f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        q = (day.month - 1) // 3 + 1
        return _months(day.year, 3 * q - 2, 3, kind, f"{day.year}-Q{q}")
    return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), "year", str(day.year))


def parse(label: str) -> Period:
    """A period from its label; a label of no known form is refused with the forms it may take."""
    for kind, form in _FORMS.items():
        if (m := form.match(label or "")) is not None:
            year = int(m.group(1))
            if kind == "month" and 1 <= int(m.group(2)) <= 12:
                return containing(kind, date(year, int(m.group(2)), 1))
            if kind == "quarter":
                return containing(kind, date(year, 3 * int(m.group(2)) - 2, 1))
            if kind == "year":
                return containing(kind, date(year, 1, 1))
    raise ValidationFailed(f"{label!r} is not a period; write 2026-03 (a month), 2026-Q1 (a quarter) or 2026.",
                           errors=[{"field": "period", "message": "not a month, quarter or year"}])


def _months(year: int, first: int, count: int, kind: str, label: str) -> Period:
    last = first + count
    end = date(year + 1, 1, 1) if last > 12 else date(year, last, 1)
    return Period(date(year, first, 1), end, kind, label)
