"""CSV exports of the dashboards' charts: the same figures as the pages, unrounded to six places.

Every row names the expiry rule, the local rule and the denominator, as every chart does.
Amounts are decimal strings with two places and shares with six, as in `flask impact report`.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from marketplace.impact.dashboard import GoalStatus, Point, VendorRow
from marketplace.impact.dashboard_collaborative import Shift
from marketplace.impact.goals import target_text
from marketplace.impact.report import money_text, share_text

DENOMINATOR = "addressable"
POINT_COLUMNS = ("scope", "period", "to_date", "period_start", "period_end", "category", "amount", "addressable",
                 "total", "share", "denominator", "expiry_rule", "local_rule")
GOAL_COLUMNS = ("scope", "category", "baseline_period", "baseline_share", "target", "target_share", "target_date",
                "current_period", "current_share", "addressable", "progress", "denominator", "expiry_rule",
                "local_rule")
SHIFT_COLUMNS = ("category", "baseline_period", "baseline_share", "current_period", "current_share",
                 "current_addressable", "dollars_shifted", "baseline_from", "denominator", "expiry_rule", "local_rule")
VENDOR_COLUMNS = ("list", "vendor", "amount", "period", "period_start", "period_end", "expiry_rule", "local_rule")


def _share(value: Decimal | None) -> str:
    return "" if value is None else share_text(value)


def _write(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def points_csv(scoped: Iterable[tuple[str, Point]], categories: list[str], expiry_rule: str) -> str:
    """One row per scope, period and category."""
    rows = []
    for scope, point in scoped:
        for key in categories:
            rows.append((scope, point.period, "yes" if point.to_date else "no", point.start.isoformat(),
                         point.end.isoformat(), key, money_text(point.amount(key)),
                         money_text(point.figures.addressable), money_text(point.figures.total),
                         share_text(point.figures.share(key)) if key in point.figures.amounts else "",
                         DENOMINATOR, expiry_rule, point.local_rule))
    return _write(POINT_COLUMNS, rows)


def goals_csv(statuses: Iterable[GoalStatus], expiry_rule: str) -> str:
    """One row per goal with its baseline, target, current share and progress."""
    rows = []
    for s in statuses:
        rows.append((s.scope, s.goal.category, s.baseline.period, _share(s.baseline_share), target_text(s.goal),
                     _share(s.target_share), s.goal.target_date.isoformat(), s.current.period,
                     _share(s.current_share), money_text(s.current.figures.addressable), _share(s.progress),
                     DENOMINATOR, expiry_rule, s.current.local_rule))
    return _write(GOAL_COLUMNS, rows)


def shifts_csv(shifts: Iterable[Shift], expiry_rule: str) -> str:
    """One row per category: the dollars shifted since the baseline."""
    rows = []
    for s in shifts:
        rows.append((s.category, s.baseline.period, _share(s.baseline_share), s.current.period,
                     _share(s.current_share), money_text(s.current.figures.addressable),
                     "" if s.dollars is None else money_text(s.dollars),
                     "collaborative goal" if s.from_goal else "first fiscal year shown", DENOMINATOR, expiry_rule,
                     s.current.local_rule))
    return _write(SHIFT_COLUMNS, rows)


def vendors_csv(lists: dict[str, list[VendorRow]], current: Point, expiry_rule: str) -> str:
    """The top vendor lists, one row per vendor."""
    rows = [(name, v.name, money_text(v.amount), current.period, current.start.isoformat(), current.end.isoformat(),
             expiry_rule, current.local_rule) for name, vendors in lists.items() for v in vendors]
    return _write(VENDOR_COLUMNS, rows)
