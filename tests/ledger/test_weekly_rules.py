"""ISO-week arithmetic of weekly updates, and how plans apply repayments to installments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api.plans.models import Installment
from ledger_api.plans.service import allocate
from ledger_api.weekly.rules import parse_week, stale_cutoff, week_label, week_start, weeks_without_update


def test_iso_weeks_across_year_ends():
    assert week_label(date(2026, 11, 25)) == "2026-W48"
    assert week_label(date(2027, 1, 1)) == "2026-W53", "2026 has 53 ISO weeks; 1 Jan 2027 is in its last"
    assert week_label(date(2024, 12, 30)) == "2025-W01"
    assert parse_week("2026-W48") == date(2026, 11, 23)
    assert parse_week(" 2026-w53 ") == date(2026, 12, 28)
    for bad in ("2026-W54", "2025-W53", "2026W48", "2026-W4", ""):
        with pytest.raises(ValueError):
            parse_week(bad)


def test_weeks_without_update_counts_complete_weeks_only():
    monday = date(2026, 11, 23)
    assert weeks_without_update(today=monday, created_on=monday, last_update_week=None) == 0
    assert weeks_without_update(today=monday + timedelta(days=13), created_on=monday, last_update_week=None) == 0
    assert weeks_without_update(today=monday + timedelta(days=14), created_on=monday, last_update_week=None) == 1
    assert (
        weeks_without_update(
            today=monday + timedelta(days=21), created_on=monday + timedelta(days=6), last_update_week=None
        )
        == 2
    )
    later = monday + timedelta(days=7)
    assert weeks_without_update(today=monday + timedelta(days=21), created_on=monday, last_update_week=later) == 1


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(0, 400),
    st.one_of(st.none(), st.integers(0, 400)),
    st.integers(1, 60),
)
def test_stale_cutoff_agrees_with_the_count(created, age, updated_after, weeks):
    today = created + timedelta(days=age)
    last = None if updated_after is None or updated_after > age else week_start(created + timedelta(days=updated_after))
    n = weeks_without_update(today=today, created_on=created, last_update_week=last)
    reference = max(week_start(created), last or week_start(created))
    assert (n >= weeks) == (reference <= stale_cutoff(today, weeks))


def _inst(seq: int, due: date, amount: str) -> Installment:
    return Installment(id=str(seq), seq=seq, due_date=due, original_due_date=due, amount=Decimal(amount))


def test_allocation_in_due_date_order():
    today = date(2026, 11, 25)
    plan = [
        _inst(1, date(2026, 12, 31), "30.00"),
        _inst(2, date(2026, 11, 1), "20.00"),
        _inst(3, date(2026, 11, 20), "50.00"),
    ]
    states = allocate(plan, Decimal("45.00"), today)
    assert [(s.installment.seq, s.paid_amount, s.state) for s in states] == [
        (2, Decimal("20.00"), "paid"),
        (3, Decimal("25.00"), "overdue"),
        (1, Decimal("0.00"), "unpaid"),
    ]
    assert [s.state for s in allocate(plan, Decimal("-5.00"), today)] == ["overdue", "overdue", "unpaid"]
    assert [s.state for s in allocate(plan, Decimal("100.00"), today)] == ["paid", "paid", "paid"]


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=12), st.integers(0, 2 * 10**7))
def test_allocation_never_pays_more_than_covered_or_owed(amounts, covered_fen):
    plan = [_inst(i, date(2026, 1, 1) + timedelta(days=i * 7), f"{a / 100:.2f}") for i, a in enumerate(amounts)]
    covered = Decimal(covered_fen) / 100
    states = allocate(plan, covered, date(2026, 6, 1))
    paid = sum(s.paid_amount for s in states)
    assert paid == min(covered, sum(i.amount for i in plan))
    assert all(Decimal(0) <= s.paid_amount <= s.installment.amount for s in states)
    # Earlier installments are filled first.
    unpaid_seen = False
    for s in states:
        if unpaid_seen:
            assert s.paid_amount == 0
        if s.paid_amount < s.installment.amount:
            unpaid_seen = True
