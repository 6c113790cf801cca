"""The platform's calendar: dates are China's (Asia/Shanghai), whatever time zone the server runs
in. Between 00:00 and 08:00 Beijing time a UTC server's ``date.today()`` is still yesterday: a
repayment made "today" would be refused as future, a week would end eight hours late."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, timezone-aware UTC: what every stored timestamp is compared with."""
    return datetime.now(UTC)


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def china_date(moment: datetime) -> date:
    """China's calendar date of a stored (timezone-aware, UTC) timestamp."""
    return moment.astimezone(CHINA).date()


def china_midnight(day: date) -> datetime:
    """Start of ``day`` in China, as an aware datetime (for comparisons with stored timestamps)."""
    return datetime.combine(day, time.min, tzinfo=CHINA)
