"""China's official working-day calendar (docs/domain.md §3).

A day is a working day when it is Monday-Friday and not a statutory holiday, or when it is a
weekend day declared a make-up working day (调休上班). The State Council publishes each year's
schedule late in the year before, so the calendar knows two sources:

* the ``chinese-calendar`` package, for the years it ships (2004 up to its release);
* operators, who add a year (or correct one) from the published notice, without a code release:
  the caller loads those years from a JSON file or a table and hands them to ``add_year``.

A date in a year neither source knows is never guessed at: every computation that touches it raises
``UnknownCalendarYear``, so a deadline says "the calendar for 2027 is missing" instead of silently
treating the Spring Festival as working days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

__all__ = ["Counted", "UnknownCalendarYear", "WorkCalendar", "YearSchedule"]

_ONE_DAY = timedelta(days=1)


class UnknownCalendarYear(LookupError):
    """A date falls in a year whose holiday schedule nobody has entered."""

    def __init__(self, year: int) -> None:
        super().__init__(f"未录入 {year} 年节假日安排，无法计算工作日，请管理员先录入该年度放假和调休安排")
        self.year = year


class Counted(NamedTuple):
    """A date counted on the calendar, and whether a year without a schedule was crossed on the
    way (then it was counted on weekends alone: ``provisional``, to be recomputed when the year
    is loaded)."""

    day: date
    provisional: bool


@dataclass(frozen=True)
class YearSchedule:
    """One year's deviations from the Monday-Friday week.

    ``holidays``: days off that would otherwise be working days, and may list the whole holiday
    (weekend days included, as the notice and the package do). ``workdays``: weekend days that are
    working days (调休上班)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = "operator"  # "package" or "operator"

    def __post_init__(self) -> None:
        for d in self.holidays | self.workdays:
            if d.year != self.year:
                raise ValueError(f"{d.isoformat()} 不属于 {self.year} 年")
        for d in self.workdays:
            if d.weekday() < 5:
                raise ValueError(f"{d.isoformat()} 是工作日，调休上班日应为周六或周日")
        both = self.holidays & self.workdays
        if both:
            first = min(both).isoformat()
            raise ValueError(f"{first} 不能既是放假日又是调休上班日")


class WorkCalendar:
    """Working days for the years it knows. Instances are independent; build one with
    ``WorkCalendar.official()`` and add operator years to it."""

    def __init__(self, years: Iterable[YearSchedule] = ()) -> None:
        self._years: dict[int, YearSchedule] = {}
        for schedule in years:
            self._years[schedule.year] = schedule

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def official(cls) -> WorkCalendar:
        """The years shipped by the ``chinese-calendar`` package."""
        import chinese_calendar  # imported here: only this constructor needs the package

        holidays: dict[int, set[date]] = {}
        workdays: dict[int, set[date]] = {}
        for d in chinese_calendar.holidays:
            holidays.setdefault(d.year, set()).add(d)
        for d in chinese_calendar.workdays:
            workdays.setdefault(d.year, set()).add(d)
        first, last = min(holidays), max(holidays)
        return cls(
            YearSchedule(y, frozenset(holidays.get(y, ())), frozenset(workdays.get(y, ())), "package")
            for y in range(first, last + 1)
        )

    def add_year(self, year: int, holidays: Iterable[date], workdays: Iterable[date]) -> None:
        """Add (or replace: operators' data is authoritative) one year's schedule."""
        self._years[year] = YearSchedule(year, frozenset(holidays), frozenset(workdays), "operator")

    def add_years_from_json(self, data: Mapping[str, Any]) -> list[int]:
        """Add years from a JSON-shaped mapping, as stored in a file or a JSONB column::

            {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}}

        Nothing is added unless every year is valid. Returns the years added."""
        parsed: list[YearSchedule] = []
        for key, entry in data.items():
            try:
                year = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"年份“{key}”无效") from None
            if not isinstance(entry, Mapping):
                raise ValueError(f"{year} 年的安排应包含 holidays 和 workdays 两个日期列表")
            parsed.append(
                YearSchedule(
                    year,
                    frozenset(_parse_dates(entry.get("holidays", []), year, "holidays")),
                    frozenset(_parse_dates(entry.get("workdays", []), year, "workdays")),
                )
            )
        for schedule in parsed:
            self._years[schedule.year] = schedule
        return [s.year for s in parsed]

    def schedule(self, year: int) -> YearSchedule:
        self._require(year)
        return self._years[year]

    def to_json(self, year: int) -> dict[str, dict[str, list[str]]]:
        """The inverse of add_years_from_json for one year."""
        s = self.schedule(year)
        return {
            str(year): {
                "holidays": [d.isoformat() for d in sorted(s.holidays)],
                "workdays": [d.isoformat() for d in sorted(s.workdays)],
            }
        }

    # --- deadlines that may run into a year nobody has loaded yet --------------------------------

    def add_workdays_provisional(self, start: date, n: int) -> Counted:
        """:meth:`add_workdays`, but a year without a schedule is counted on weekends alone
        (``provisional``) instead of raising. n >= 0."""
        if n < 0:
            raise ValueError("工作日数不能为负数")
        rules = _Provisional(self)
        d, remaining = self._day(start), n
        while remaining:
            d += _ONE_DAY
            if rules.is_workday(d):
                remaining -= 1
        return Counted(d, rules.guessed)

    def subtract_workdays_provisional(self, end: date, n: int) -> Counted:
        """The n-th working day before ``end`` (warnings before a deadline), weekends alone in a
        year without a schedule."""
        rules = _Provisional(self)
        d, remaining = self._day(end), n
        while remaining > 0:
            d -= _ONE_DAY
            if rules.is_workday(d):
                remaining -= 1
        return Counted(d, rules.guessed)

    def calendar_deadline_provisional(self, start: date, days: int) -> Counted:
        """:meth:`calendar_deadline` (``start`` + ``days``, moved to the next working day when it
        ends on a day off), provisional when the end falls in a year without a schedule."""
        if days < 0:
            raise ValueError("期限天数不能为负数")
        rules = _Provisional(self)
        d = self._day(start) + timedelta(days=days)
        while not rules.is_workday(d):
            d += _ONE_DAY
        return Counted(d, rules.guessed)

    # --- queries -----------------------------------------------------------------------------

    def covers(self, year: int) -> bool:
        return year in self._years

    @property
    def years(self) -> list[int]:
        return sorted(self._years)

    @staticmethod
    def _day(d: date) -> date:
        # A datetime would silently miss every holiday (datetime != date), and which day it is
        # depends on the time zone: make the caller convert to the Beijing date first.
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError("请传入日期（date），日期时间应先换算为北京时间的日期")
        return d

    def _require(self, year: int) -> YearSchedule:
        schedule = self._years.get(year)
        if schedule is None:
            raise UnknownCalendarYear(year)
        return schedule

    def is_workday(self, d: date) -> bool:
        schedule = self._require(self._day(d).year)
        if d in schedule.holidays:
            return False
        if d in schedule.workdays:
            return True
        return d.weekday() < 5

    def is_holiday(self, d: date) -> bool:
        """Any day off: weekend or statutory holiday."""
        return not self.is_workday(d)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself not counted): with n=1 the next
        working day. Negative n counts backwards; n=0 gives ``start``."""
        self._require(self._day(start).year)
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        d, remaining = start, abs(n)
        while remaining:
            d += step
            if self.is_workday(d):
                remaining -= 1
        return d

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: after ``a``, up to and including ``b``. So that
        ``workdays_between(a, add_workdays(a, n)) == n``; negative when b is before a."""
        if self._day(b) < self._day(a):
            return -self.workdays_between(b, a)
        self._require(a.year)
        count, d = 0, a
        while d < b:
            d += _ONE_DAY
            if self.is_workday(d):
                count += 1
        return count

    def next_workday(self, d: date) -> date:
        """``d`` when it is a working day, else the first working day after it."""
        self._day(d)
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def calendar_deadline(self, start: date, days: int) -> date:
        """``start`` + ``days`` calendar days; a period ending on a weekend or holiday ends on the
        next working day instead."""
        if days < 0:
            raise ValueError("期限天数不能为负数")
        self._require(self._day(start).year)
        return self.next_workday(start + timedelta(days=days))


class _Provisional:
    """Working-day rules that count a year without a schedule on weekends alone, and remember
    that they did."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.guessed = False

    def is_workday(self, d: date) -> bool:
        if self.calendar.covers(d.year):
            return self.calendar.is_workday(d)
        self.guessed = True
        return d.weekday() < 5


def _parse_dates(values: Any, year: int, field: str) -> list[date]:
    if not isinstance(values, list | tuple):
        raise ValueError(f"{year} 年的 {field} 应为日期列表")
    out = []
    for v in values:
        try:
            out.append(v if isinstance(v, date) else date.fromisoformat(v))
        except (TypeError, ValueError):
            raise ValueError(f"{year} 年的 {field} 中“{v}”不是有效日期（应为 YYYY-MM-DD）") from None
    return out
