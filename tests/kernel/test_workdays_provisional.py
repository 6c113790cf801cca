"""WorkCalendar's provisional counts (issue 10): a count that reaches a year with no schedule is
made on weekends alone and says so; within known years it equals the exact count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qq_kernel.workdays import WorkCalendar

OFFICIAL = WorkCalendar.official()
UP_TO_2026 = WorkCalendar(OFFICIAL.schedule(y) for y in OFFICIAL.years if y <= 2026)


@pytest.mark.parametrize("start", [date(2025, 1, 20) + timedelta(days=7 * k) for k in range(40)], ids=str)
def test_within_known_years_provisional_counts_equal_the_exact_ones(start):
    assert UP_TO_2026.add_workdays_provisional(start, 10) == (UP_TO_2026.add_workdays(start, 10), False)
    assert UP_TO_2026.calendar_deadline_provisional(start, 30) == (UP_TO_2026.calendar_deadline(start, 30), False)
    assert UP_TO_2026.subtract_workdays_provisional(start, 3) == (UP_TO_2026.add_workdays(start, -3), False)


def test_into_an_unknown_year_counts_weekends_alone_and_says_so():
    # 2026-12-30 Wed + 3: 12-31 (1), 2027-01-01 Fri (2, New Year unknown), 01-04 Mon (3).
    assert UP_TO_2026.add_workdays_provisional(date(2026, 12, 30), 3) == (date(2027, 1, 4), True)
    # 2026-12-04 + 30 = 2027-01-03, a Sunday → Monday 01-04, provisional.
    assert UP_TO_2026.calendar_deadline_provisional(date(2026, 12, 4), 30) == (date(2027, 1, 4), True)
    # The exact methods still refuse to guess.
    with pytest.raises(LookupError):
        UP_TO_2026.add_workdays(date(2026, 12, 30), 3)


def test_a_loaded_year_makes_the_same_count_exact():
    calendar = WorkCalendar(OFFICIAL.schedule(y) for y in OFFICIAL.years if y <= 2026)
    calendar.add_year(2027, [date(2027, 1, 1)], [])
    assert calendar.add_workdays_provisional(date(2026, 12, 30), 3) == (date(2027, 1, 5), False)


def test_official_letter_renders_the_words_it_is_given():
    from io import BytesIO

    from docx import Document

    from qq_kernel.documents import OfficialLetter, Paragraph

    data = OfficialLetter(
        issuer="示范县清欠专班办公室",
        title="督 办 通 知 书",
        number="督办〔2026〕1号",
        addressee="示范县财政局",
        paragraphs=[Paragraph("请限期办结。"), Paragraph("要求：", bold=True)],
        signed_on=date(2026, 12, 3),
    ).render()
    doc = Document(BytesIO(data))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "示范县清欠专班办公室\n督 办 通 知 书"
    assert text[1:5] == ["督办〔2026〕1号", "示范县财政局：", "请限期办结。", "要求："]
    assert text[-1] == "示范县清欠专班办公室\n2026年12月3日"
    assert doc.core_properties.title == "督办通知书 督办〔2026〕1号"


def test_the_complaint_respondent_kinds_are_the_ledger_debtor_types():
    from typing import get_args

    from complaint_api.complaints.schemas import CompanySize, ProcurementType, RespondentKind
    from ledger_api.ledger.schemas import CreditorSize, DebtorType
    from ledger_api.ledger.schemas import ProcurementType as LedgerProcurement
    from qq_kernel.vocabulary import CREDITOR_SIZES, DEBTOR_TYPES, PROCUREMENT_TYPES

    assert set(get_args(RespondentKind)) == set(get_args(DebtorType)) == set(DEBTOR_TYPES)
    assert set(get_args(CompanySize)) == set(get_args(CreditorSize)) == set(CREDITOR_SIZES)
    assert set(get_args(ProcurementType)) == set(get_args(LedgerProcurement)) == set(PROCUREMENT_TYPES)
