from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api.ledger.interest import (
    DEFAULT_DAILY_RATE,
    RateSource,
    balances_after_repayments,
    overdue_interest,
    overdue_interest_piecewise,
)

D = Decimal


def test_statutory_rate_example():
    r = overdue_interest(D("100000.00"), date(2025, 1, 1), date(2025, 3, 1))
    assert r.days == 59  # 2 Jan .. 1 Mar inclusive
    assert r.amount == D("2950.00")
    assert r.amount.as_tuple().exponent == -2
    assert r.daily_rate == DEFAULT_DAILY_RATE == D("0.0005")
    assert r.rate_source is RateSource.STATUTORY
    assert r.annual_rate is None
    assert "《保障中小企业款项支付条例》第十七条" in r.rule
    assert "万分之五" in r.rule
    assert "2020年施行的条例" in r.rule  # the period began before the revised text took effect
    assert r.formula == "¥100,000.00 × 0.05%/日 × 59天 = ¥2,950.00"
    (segment,) = r.segments
    assert (segment.start, segment.end, segment.days) == (date(2025, 1, 2), date(2025, 3, 1), 59)


def test_period_wholly_under_the_revised_text_has_no_2020_note():
    r = overdue_interest(D("1000"), date(2025, 7, 1), date(2025, 7, 11))
    assert r.amount == D("5.00") and r.days == 10
    assert "2020" not in r.rule


@pytest.mark.parametrize(
    ("as_of", "days"),
    [(date(2025, 1, 1), 0), (date(2024, 12, 1), 0)],
)
def test_not_overdue_is_zero(as_of, days):
    r = overdue_interest(D("5000"), date(2025, 1, 1), as_of)
    assert r.amount == D("0.00")
    assert r.days == days
    assert r.segments == ()
    assert "不计逾期利息" in r.rule


def test_first_overdue_day():
    r = overdue_interest(D("10000"), date(2025, 1, 1), date(2025, 1, 2))
    assert (r.days, r.amount) == (1, D("5.00"))


@pytest.mark.parametrize(
    ("principal", "days", "expected"),
    [
        ("10.00", 1, "0.01"),  # 0.005 rounds half up (banker's rounding would give 0.00)
        ("1.00", 1, "0.00"),  # 0.0005
        ("333.33", 1, "0.17"),  # 0.166665
        ("0.00", 100, "0.00"),
        ("9999999999999999.99", 3650, "18249999999999999.98"),  # no precision lost at NUMERIC(18,2)'s limit
    ],
)
def test_rounding(principal, days, expected):
    due = date(2025, 1, 1)
    r = overdue_interest(D(principal), due, due + timedelta(days=days))
    assert r.amount == D(expected)


def test_agreed_daily_rate():
    r = overdue_interest(D("50000"), date(2025, 7, 1), date(2025, 7, 11), agreed_daily_rate=D("0.0003"))
    assert r.amount == D("150.00")
    assert r.rate_source is RateSource.AGREED_DAILY
    assert r.daily_rate == D("0.0003")
    assert "合同约定" in r.rule and "0.03%" in r.rule and "贷款市场报价利率" in r.rule


def test_agreed_annual_rate_360_and_365():
    r = overdue_interest(D("1000000"), date(2025, 7, 1), date(2025, 7, 31), agreed_annual_rate=D("0.0345"))
    assert r.days == 30
    assert r.amount == D("2875.00")  # 1,000,000 × 3.45% × 30 / 360
    assert r.rate_source is RateSource.AGREED_ANNUAL
    assert r.annual_rate == D("0.0345")
    assert "年利率3.45%" in r.rule and "360天" in r.rule
    assert r.formula == "¥1,000,000.00 × 3.45%/年 ÷ 360 × 30天 = ¥2,875.00"
    r365 = overdue_interest(
        D("1000000"), date(2025, 7, 1), date(2025, 7, 31), agreed_annual_rate=D("0.0345"), day_count_basis=365
    )
    assert r365.amount == D("2835.62")  # 2835.616…
    assert "365天" in r365.rule


def test_annual_rate_is_not_rounded_through_a_daily_rate():
    # 1/3 % a year: dividing first and rounding the daily rate would drift; we multiply first.
    r = overdue_interest(D("3600000"), date(2025, 7, 1), date(2025, 7, 2), agreed_annual_rate=D("0.01"))
    assert r.amount == D("100.00")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"agreed_daily_rate": D("0.0003"), "agreed_annual_rate": D("0.04")}, ValueError, "只能填写一个"),
        ({"agreed_daily_rate": D("0")}, ValueError, "应大于零"),
        ({"agreed_annual_rate": D("-0.01")}, ValueError, "应大于零"),
        ({"agreed_daily_rate": D("NaN")}, ValueError, "应大于零"),
        ({"agreed_daily_rate": D("0.05")}, ValueError, "万分之五填0.0005"),
        ({"agreed_annual_rate": D("3.45")}, ValueError, "3.45%填0.0345"),
        ({"agreed_annual_rate": 0.0345}, TypeError, "不能使用浮点数"),
        ({"agreed_annual_rate": D("0.0345"), "day_count_basis": 366}, ValueError, "360或365"),
    ],
)
def test_rate_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        overdue_interest(D("100"), date(2025, 1, 1), date(2025, 2, 1), **kwargs)


def test_amount_errors():
    with pytest.raises(ValueError, match="不能为负数"):
        overdue_interest(D("-1"), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(ValueError, match="两位小数"):
        overdue_interest(D("1.001"), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(TypeError):
        overdue_interest(100.0, date(2025, 1, 1), date(2025, 2, 1))  # type: ignore[arg-type]


# --- piecewise ------------------------------------------------------------------------------------

DUE = date(2025, 1, 1)


def test_interest_follows_repayments():
    balances = balances_after_repayments(
        D("100000"), [(date(2025, 1, 11), D("40000")), (date(2025, 1, 31), D("60000"))]
    )
    assert balances == [(date.min, D("100000.00")), (date(2025, 1, 12), D("60000.00")), (date(2025, 2, 1), D("0.00"))]
    r = overdue_interest_piecewise(balances, DUE, date(2025, 3, 1))
    # 2-11 Jan (10 days) on 100,000 = 500.00; 12-31 Jan (20 days) on 60,000 = 600.00; nothing after.
    assert [(s.start, s.end, s.days, s.amount) for s in r.segments] == [
        (date(2025, 1, 2), date(2025, 1, 11), 10, D("500.00")),
        (date(2025, 1, 12), date(2025, 1, 31), 20, D("600.00")),
    ]
    assert r.amount == D("1100.00")
    assert r.days == 59
    assert r.formula.endswith("合计 ¥1,100.00")


def test_payment_day_still_bears_interest():
    # Paid in full on 11 Jan: the same as computing up to 11 Jan on the whole amount.
    paid = overdue_interest_piecewise(
        balances_after_repayments(D("100000"), [(date(2025, 1, 11), D("100000"))]), DUE, date(2025, 6, 1)
    )
    assert paid.amount == overdue_interest(D("100000"), DUE, date(2025, 1, 11)).amount == D("500.00")


def test_repayment_before_due_date_lowers_the_base():
    balances = balances_after_repayments(D("100000"), [(date(2024, 12, 20), D("30000"))])
    r = overdue_interest_piecewise(balances, DUE, date(2025, 1, 10))
    assert r.amount == D("315.00")  # 70,000 × 0.05% × 9
    assert len(r.segments) == 1


def test_same_day_repayments_are_added_and_order_does_not_matter():
    a = balances_after_repayments(
        D("1000"), [(date(2025, 2, 1), D("100")), (date(2025, 1, 5), D("50")), (date(2025, 2, 1), D("200"))]
    )
    assert a == [(date.min, D("1000.00")), (date(2025, 1, 6), D("950.00")), (date(2025, 2, 2), D("650.00"))]


def test_balances_after_repayments_errors():
    with pytest.raises(ValueError, match="超过欠款金额"):
        balances_after_repayments(D("100"), [(date(2025, 1, 1), D("60")), (date(2025, 1, 2), D("60"))])
    with pytest.raises(ValueError, match="应大于零"):
        balances_after_repayments(D("100"), [(date(2025, 1, 1), D("0"))])
    with pytest.raises(ValueError, match="不能为负数"):
        balances_after_repayments(D("-100"), [])


def test_piecewise_balance_errors():
    with pytest.raises(ValueError, match="至少需要一条"):
        overdue_interest_piecewise([], DUE, date(2025, 2, 1))
    with pytest.raises(ValueError, match="严格递增"):
        overdue_interest_piecewise([(date(2025, 1, 1), D("1")), (date(2025, 1, 1), D("2"))], DUE, date(2025, 2, 1))
    with pytest.raises(ValueError, match="逾期首日（2025年1月2日）或更早"):
        overdue_interest_piecewise([(date(2025, 1, 3), D("1"))], DUE, date(2025, 2, 1))
    with pytest.raises(ValueError, match="不能为负数"):
        overdue_interest_piecewise([(date(2025, 1, 1), D("-1"))], DUE, date(2025, 2, 1))
    # Starting exactly on the first overdue day is enough.
    r = overdue_interest_piecewise([(date(2025, 1, 2), D("1000"))], DUE, date(2025, 1, 3))
    assert r.amount == D("1.00")


def test_later_balance_entries_beyond_as_of_are_ignored():
    balances = [(date.min, D("1000")), (date(2025, 6, 1), D("0"))]
    r = overdue_interest_piecewise(balances, DUE, date(2025, 1, 11))
    assert r.amount == D("5.00")


_money = st.decimals(min_value=D("0.01"), max_value=D("100000000"), places=2)
_due = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


@given(_money, _due, st.integers(min_value=0, max_value=2000))
def test_single_equals_piecewise_with_one_balance(principal, due, days):
    as_of = due + timedelta(days=days)
    single = overdue_interest(principal, due, as_of)
    piecewise = overdue_interest_piecewise([(due - timedelta(days=30), principal)], due, as_of)
    assert single.amount == piecewise.amount
    assert single.days == days
    # Simple interest, rounded once: within half a fen of the exact figure.
    assert abs(single.amount - principal * D("0.0005") * days) <= D("0.005")


@given(
    _money,
    _due,
    st.integers(min_value=0, max_value=1000),
    st.lists(
        st.tuples(st.integers(min_value=-30, max_value=1000), st.integers(min_value=1, max_value=100)), max_size=6
    ),
)
def test_repayments_never_increase_interest_and_total_is_sum_of_segments(principal, due, days, raw):
    as_of = due + timedelta(days=days)
    # Repayments as shares of the principal, capped so that they never exceed it.
    repayments, left = [], principal
    for offset, pct in raw:
        amount = (principal * pct / 100 / 6).quantize(D("0.01"))
        if D("0") < amount <= left:
            repayments.append((due + timedelta(days=offset), amount))
            left -= amount
    with_repayments = overdue_interest_piecewise(balances_after_repayments(principal, repayments), due, as_of)
    without = overdue_interest(principal, due, as_of)
    assert with_repayments.amount <= without.amount
    assert with_repayments.amount == sum((s.amount for s in with_repayments.segments), D("0"))
    assert sum(s.days for s in with_repayments.segments) <= with_repayments.days == days
    for s in with_repayments.segments:
        assert due < s.start <= s.end <= as_of


@given(_money, _due, st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_interest_grows_with_time(principal, due, d1, d2):
    a, b = sorted((d1, d2))
    assert (
        overdue_interest(principal, due, due + timedelta(days=a)).amount
        <= overdue_interest(principal, due, due + timedelta(days=b)).amount
    )
