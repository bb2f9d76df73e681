"""Report periods: calendar months and quarters, and each institution's own fiscal years.

`FY2025` is the fiscal year that ends in 2025 (for a July start: 2024-07-01 to 2025-06-30;
for a January start: the calendar year 2025). `2025Q3` and `2025-07` are calendar periods.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from marketplace.errors import DomainError

_FY = re.compile(r"^FY(\d{4})$", re.I)
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$", re.I)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """A parsed period label: kind `fy`, `quarter` or `month`, its year and its number."""

    kind: str
    year: int
    number: int = 0

    @property
    def label(self) -> str:
        """The canonical label: FY2025, 2025Q3 or 2025-07."""
        if self.kind == "fy":
            return f"FY{self.year}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    def bounds(self, fiscal_year_start_month: int) -> tuple[date, date]:
        """First and last day (both inclusive) for an institution with this fiscal-year start."""
        if self.kind == "fy":
            return fiscal_year_bounds_of(self.year, fiscal_year_start_month)
        if self.kind == "quarter":
            first_month = 3 * (self.number - 1) + 1
            return date(self.year, first_month, 1), _month_end(self.year, first_month + 2)
        return date(self.year, self.number, 1), _month_end(self.year, self.number)


def parse_period(text: str) -> Period:
    """Read `FY2025`, `2025Q3` or `2025-07`; anything else is a DomainError."""
    value = (text or "").strip()
    if match := _FY.match(value):
        return Period("fy", int(match.group(1)))
    if match := _QUARTER.match(value):
        return Period("quarter", int(match.group(1)), int(match.group(2)))
    if match := _MONTH.match(value):
        return Period("month", int(match.group(1)), int(match.group(2)))
    raise DomainError(f"Unknown period {text!r}: use a fiscal year (FY2025), a quarter (2025Q3) or a month (2025-07).")


def _month_end(year: int, month: int) -> date:
    """The last day of `month` (1-12) of `year`."""
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def fiscal_year_of(day: date, start_month: int) -> int:
    """The fiscal year containing `day`, named by the calendar year it ends in."""
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year


def fiscal_year_bounds_of(year: int, start_month: int) -> tuple[date, date]:
    """First and last day of fiscal year `year` (the one ending in `year`)."""
    if start_month == 1:
        return date(year, 1, 1), date(year, 12, 31)
    return date(year - 1, start_month, 1), _month_end(year, start_month - 1)


def fiscal_year_segments(start: date, end: date, start_month: int) -> list[tuple[date, date, date, date]]:
    """Split [start, end] by fiscal year: (segment start, segment end, FY start, FY end) each."""
    segments = []
    day = start
    while day <= end:
        fy_start, fy_end = fiscal_year_bounds_of(fiscal_year_of(day, start_month), start_month)
        segment_end = min(end, fy_end)
        segments.append((day, segment_end, fy_start, fy_end))
        day = segment_end + timedelta(days=1)
    return segments
