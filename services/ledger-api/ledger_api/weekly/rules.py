"""ISO-week arithmetic of the weekly updates (按周更新), shared by the weekly views, the
``no_update_weeks`` list filter and the ``no_weekly_update`` red flag, so all three count alike.

Dates are China's calendar dates (``qq_kernel.clock.china_today()``, as everywhere in the ledger); a stored
timestamp becomes China's date of it (``qq_kernel.clock.china_date``), whatever the server's time zone.

**Weeks without an update.** A week counts as missed only once it is over: the current week is
still open for its update. The reference is the latest week that has an update or, before the
first one, the week the item joined the ledger (that week is a grace week). With ``L`` the Monday
of that reference week and ``M`` the Monday of the current week, the item has gone
``(M - L) / 7 - 1`` complete weeks without an update (never less than zero).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEK_PATTERN = r"^\d{4}-W\d{2}$"
_WEEK = re.compile(WEEK_PATTERN)

# Open items must be updated every ISO week; an item claimed cleared waits for the office, not
# for its unit, and written-off or void items are closed.
WEEKLY_STATUSES = ("open", "resolving")


def week_start(day: date) -> date:
    """Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def week_label(day: date) -> str:
    """``2026-W48``: ISO year and week (the ISO year can differ from the calendar year)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(label: str) -> date:
    """Monday of an ISO week written ``YYYY-Www``; ValueError (Chinese message) when invalid."""
    text = label.strip().upper()
    if not _WEEK.match(text):
        raise ValueError("周次格式应为 YYYY-Www，如 2026-W48")
    year, week = int(text[:4]), int(text[6:])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{year} 年没有第 {week} 周") from exc


def weeks_without_update(*, today: date, created_on: date, last_update_week: date | None) -> int:
    """Complete ISO weeks since the item's last update (or since the week it was entered)."""
    reference = week_start(created_on)
    if last_update_week is not None and last_update_week > reference:
        reference = week_start(last_update_week)
    return max(0, (week_start(today) - reference).days // 7 - 1)


def stale_cutoff(today: date, weeks: int) -> date:
    """Latest reference Monday an item may have and still be ``weeks`` or more weeks without update:
    ``weeks_without_update(...) >= weeks`` exactly when the reference week starts on or before it."""
    return week_start(today) - timedelta(days=7 * (weeks + 1))
