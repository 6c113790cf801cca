"""The platform's dates are China's, whatever the server's time zone."""

from datetime import UTC, date, datetime

from qq_kernel.clock import china_date, china_midnight


def test_after_16_utc_it_is_already_tomorrow_in_china():
    assert china_date(datetime(2026, 11, 25, 15, 59, tzinfo=UTC)) == date(2026, 11, 25)
    assert china_date(datetime(2026, 11, 25, 16, 0, tzinfo=UTC)) == date(2026, 11, 26)


def test_china_midnight_is_16_utc_the_day_before():
    assert china_midnight(date(2026, 11, 26)).astimezone(UTC) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
