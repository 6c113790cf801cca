import json
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qq_kernel.workdays import UnknownCalendarYear, WorkCalendar, YearSchedule

CAL = WorkCalendar.official()

# A made-up 2027 schedule in the shape of a State Council notice (the real one is not out yet):
# New Year 1 Jan; Spring Festival 5-13 Feb with make-up Saturday 20 Feb; National Day 1-7 Oct with
# make-up Sunday 26 Sep and Saturday 9 Oct.
Y2027_HOLIDAYS = (
    {date(2027, 1, 1)} | {date(2027, 2, d) for d in range(5, 14)} | {date(2027, 10, d) for d in range(1, 8)}
)
Y2027_WORKDAYS = {date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)}


def with_2027() -> WorkCalendar:
    cal = WorkCalendar.official()
    cal.add_year(2027, Y2027_HOLIDAYS, Y2027_WORKDAYS)
    return cal


def test_covers_package_years_only():
    assert CAL.covers(2024) and CAL.covers(2025) and CAL.covers(2026)
    assert CAL.covers(2004)
    assert not CAL.covers(2027)
    assert not CAL.covers(2003)
    assert CAL.years == list(range(2004, 2027))
    assert CAL.schedule(2025).source == "package"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 10, 1), False),  # National Day
        (date(2024, 10, 7), False),
        (date(2024, 10, 8), True),
        (date(2024, 9, 29), True),  # Sunday, make-up working day
        (date(2024, 10, 12), True),  # Saturday, make-up working day
        (date(2024, 10, 13), False),  # an ordinary Sunday
        (date(2024, 9, 30), True),
        (date(2025, 1, 26), True),  # Sunday before Spring Festival 2025, make-up
        (date(2025, 1, 28), False),  # Spring Festival eve, holiday since the 2025 reform
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, make-up
        (date(2025, 5, 31), False),  # Dragon Boat, on a Saturday anyway
        (date(2025, 6, 2), False),  # Dragon Boat, Monday off
        (date(2026, 1, 2), False),
        (date(2026, 1, 4), True),  # Sunday, make-up
        (date(2026, 2, 23), False),
        (date(2026, 2, 28), True),  # Saturday, make-up
    ],
)
def test_is_workday_real_dates(day, working):
    assert CAL.is_workday(day) is working
    assert CAL.is_holiday(day) is not working


def test_agrees_with_the_package_everywhere():
    d = date(2004, 1, 1)
    while d.year <= 2026:
        assert CAL.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 9, 30), 1, date(2024, 10, 8)),  # over the whole National Day week
        (date(2024, 9, 27), 1, date(2024, 9, 29)),  # Friday → make-up Sunday
        (date(2024, 9, 28), 1, date(2024, 9, 29)),  # start on a day off: not counted either way
        (date(2025, 1, 24), 1, date(2025, 1, 26)),
        (date(2025, 1, 24), 2, date(2025, 1, 27)),
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        # Complaint accepted Monday 20 Jan 2025: transfer within 10 working days → Saturday 8 Feb.
        (date(2025, 1, 20), 10, date(2025, 2, 8)),
        (date(2024, 10, 8), -1, date(2024, 9, 30)),
        (date(2024, 10, 8), -2, date(2024, 9, 29)),
        (date(2024, 10, 3), 0, date(2024, 10, 3)),
        (date(2026, 12, 30), 1, date(2026, 12, 31)),
    ],
)
def test_add_workdays(start, n, expected):
    assert CAL.add_workdays(start, n) == expected


def test_workdays_between():
    assert CAL.workdays_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert CAL.workdays_between(date(2024, 9, 30), date(2024, 9, 30)) == 0
    assert CAL.workdays_between(date(2025, 1, 20), date(2025, 2, 8)) == 10
    assert CAL.workdays_between(date(2025, 2, 8), date(2025, 1, 20)) == -10
    # The rest of 2025 after New Year's Day, checked day by day against the package.
    expected = sum(chinese_calendar.is_workday(date(2025, 1, 1) + timedelta(days=i)) for i in range(1, 365))
    assert CAL.workdays_between(date(2025, 1, 1), date(2025, 12, 31)) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2024, 9, 1), 30, date(2024, 10, 8)),  # ends on National Day → first working day after
        (date(2024, 9, 2), 30, date(2024, 10, 8)),
        (date(2024, 9, 9), 30, date(2024, 10, 9)),  # ends on a working day: unchanged
        (date(2024, 8, 31), 29, date(2024, 9, 29)),  # ends on make-up Sunday: a working day
        (date(2024, 11, 1), 30, date(2024, 12, 2)),  # ends Sunday 1 Dec → Monday
        (date(2025, 1, 1), 27, date(2025, 2, 5)),  # ends 28 Jan, Spring Festival → 5 Feb
        (date(2025, 3, 3), 0, date(2025, 3, 3)),
    ],
)
def test_calendar_deadline(start, days, expected):
    assert CAL.calendar_deadline(start, days) == expected


def test_calendar_deadline_refuses_negative_days():
    with pytest.raises(ValueError):
        CAL.calendar_deadline(date(2025, 1, 1), -1)


def test_unknown_year_is_never_guessed():
    with pytest.raises(UnknownCalendarYear) as info:
        CAL.add_workdays(date(2026, 12, 31), 1)
    assert info.value.year == 2027
    assert "未录入 2027 年节假日安排" in str(info.value)
    with pytest.raises(UnknownCalendarYear):
        CAL.is_workday(date(2027, 3, 1))
    with pytest.raises(UnknownCalendarYear):
        CAL.calendar_deadline(date(2026, 12, 15), 30)
    with pytest.raises(UnknownCalendarYear):
        CAL.workdays_between(date(2026, 12, 1), date(2027, 1, 5))
    with pytest.raises(UnknownCalendarYear):
        CAL.add_workdays(date(2003, 12, 31), 0)  # even a no-op on an unknown year says so
    with pytest.raises(UnknownCalendarYear):
        CAL.schedule(2030)


def test_operator_added_2027():
    cal = with_2027()
    assert cal.covers(2027) and cal.schedule(2027).source == "operator"
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1 Jan holiday, then weekend
    assert not cal.is_workday(date(2027, 2, 10))  # a Wednesday in the Spring Festival
    assert cal.is_workday(date(2027, 2, 20))  # make-up Saturday
    assert cal.is_workday(date(2027, 3, 1))  # ordinary Monday
    # Ends Friday 5 Feb, in the holiday; the holiday runs to Saturday 13 Feb, then Sunday → Monday 15 Feb.
    assert cal.calendar_deadline(date(2027, 1, 6), 30) == date(2027, 2, 15)
    assert cal.calendar_deadline(date(2026, 12, 2), 30) == date(2027, 1, 4)
    # The official instance is untouched: calendars are independent.
    assert not CAL.covers(2027)


def test_operator_data_can_replace_a_package_year():
    cal = WorkCalendar.official()
    extra = date(2026, 12, 31)
    cal.add_year(2026, cal.schedule(2026).holidays | {extra}, cal.schedule(2026).workdays)
    assert not cal.is_workday(extra)
    assert cal.schedule(2026).source == "operator"
    assert CAL.is_workday(extra)


def test_add_year_validates():
    cal = WorkCalendar()
    with pytest.raises(ValueError, match="不属于 2027 年"):
        cal.add_year(2027, {date(2026, 12, 31)}, set())
    with pytest.raises(ValueError, match="调休上班日应为周六或周日"):
        cal.add_year(2027, set(), {date(2027, 3, 1)})  # a Monday
    with pytest.raises(ValueError, match="既是放假日又是调休上班日"):
        cal.add_year(2027, {date(2027, 2, 20)}, {date(2027, 2, 20)})
    assert not cal.covers(2027)


def test_json_round_trip():
    cal = with_2027()
    doc = cal.to_json(2027)
    text = json.dumps(doc)
    other = WorkCalendar()
    assert other.add_years_from_json(json.loads(text)) == [2027]
    assert other.schedule(2027).holidays == frozenset(Y2027_HOLIDAYS)
    assert other.schedule(2027).workdays == frozenset(Y2027_WORKDAYS)
    assert not other.covers(2026)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"twenty": {"holidays": [], "workdays": []}}, "年份“twenty”无效"),
        ({"2027": ["2027-01-01"]}, "holidays 和 workdays"),
        ({"2027": {"holidays": "2027-01-01"}}, "应为日期列表"),
        ({"2027": {"holidays": ["2027-13-01"]}}, "“2027-13-01”不是有效日期"),
        ({"2027": {"holidays": ["2028-01-01"]}}, "不属于 2027 年"),
        ({"2027": {"holidays": [], "workdays": ["2027-01-04"]}}, "调休上班日应为周六或周日"),
    ],
)
def test_json_errors(doc, message):
    cal = WorkCalendar()
    with pytest.raises(ValueError, match=message):
        cal.add_years_from_json(doc)
    assert cal.years == []


def test_json_is_all_or_nothing():
    cal = WorkCalendar()
    with pytest.raises(ValueError):
        cal.add_years_from_json({"2027": {"holidays": ["2027-01-01"]}, "2028": {"holidays": ["oops"]}})
    assert not cal.covers(2027)


def test_datetime_is_refused():
    with pytest.raises(TypeError, match="北京时间"):
        CAL.is_workday(datetime(2024, 10, 1, 9, 0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CAL.add_workdays(datetime(2024, 10, 1), 1)  # type: ignore[arg-type]


def test_year_schedule_is_immutable():
    s = YearSchedule(2027, frozenset(), frozenset())
    with pytest.raises(AttributeError):
        s.year = 2028  # type: ignore[misc]


_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 10, 31))


@given(_dates, st.integers(min_value=0, max_value=40))
def test_add_then_count_is_identity(start, n):
    end = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, end) == n
    if n > 0:
        assert CAL.is_workday(end)
        assert end > start


@given(_dates, st.integers(min_value=1, max_value=40))
def test_backwards_undoes_forwards_from_a_workday(start, n):
    assume(CAL.is_workday(start))
    assert CAL.add_workdays(CAL.add_workdays(start, n), -n) == start


@given(_dates, st.integers(min_value=0, max_value=60))
def test_calendar_deadline_is_first_workday_on_or_after_the_end(start, days):
    end = start + timedelta(days=days)
    deadline = CAL.calendar_deadline(start, days)
    assert deadline >= end
    assert CAL.is_workday(deadline)
    d = end
    while d < deadline:
        assert not CAL.is_workday(d)
        d += timedelta(days=1)
