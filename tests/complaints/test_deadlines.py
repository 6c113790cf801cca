"""Issue 10 acceptance 1: statutory deadlines against dates computed by hand on the official
2025 and 2026 schedules (Spring Festival, National Day, make-up Saturdays and Sundays), and
across the 2026→2027 year end: provisional (weekends alone) before a 2027 schedule is loaded,
exact and recomputed, with a timeline entry, after.

The hand computations, for the reader to check (W = working day counted, start day not counted):
- transfer (10 working days after acceptance):
  2025-01-24 Fri → 01-26 Sun make-up W1, 01-27 W2, 01-28..02-04 off, 02-05..07 W3-5,
  02-08 Sat make-up W6, 02-10..13 W7-10 → 2025-02-13.
  2025-09-25 Thu → 09-26 W1, 09-28 Sun make-up W2, 09-29..30 W3-4, 10-01..08 off, 10-09..10 W5-6,
  10-11 Sat make-up W7, 10-13..15 W8-10 → 2025-10-15.
  2026-02-12 Thu → 02-13 W1, 02-14 Sat make-up W2, 02-15..23 off, 02-24..27 W3-6,
  02-28 Sat make-up W7, 03-02..04 W8-10 → 2026-03-04.
  2026-09-18 Fri → 09-20 Sun make-up W1, 09-21..24 W2-5, 09-25..27 off (Mid-Autumn),
  09-28..30 W6-8, 10-01..07 off, 10-08..09 W9-10 → 2026-10-09 (10-10 Sat make-up would be W11).
- result (30 calendar days after the unit received it; ends on a day off → next working day):
  2025-01-04 + 30 = 02-03 (Spring Festival) → 02-05; 2025-09-04 + 30 = 10-04 (National Day) → 10-09;
  2025-08-29 + 30 = 09-28, a make-up Sunday: a working day, the deadline stays;
  2026-01-17 + 30 = 02-16 (Spring Festival) → 02-24; 2026-09-02 + 30 = 10-02 → 10-08;
  2026-09-10 + 30 = 10-10, a make-up Saturday: stays; 2026-07-03 + 90 (extended) = 10-01 → 10-08.
"""

from __future__ import annotations

from datetime import date

import pytest

from complaint_api.complaints import deadlines, scheduled
from complaint_api.complaints.deadlines import DeadlineRules
from qq_kernel.workdays import WorkCalendar
from tests.complaints.helpers import complaint_app, staff_body

OFFICIAL = WorkCalendar.official()
RULES = DeadlineRules()
BASE = "/api/complaints/complaints"

TRANSFER_CASES = [
    (date(2025, 1, 24), date(2025, 2, 13)),
    (date(2025, 9, 25), date(2025, 10, 15)),
    (date(2026, 2, 12), date(2026, 3, 4)),
    (date(2026, 9, 18), date(2026, 10, 9)),
]
RESULT_CASES = [
    (date(2025, 1, 4), 0, date(2025, 2, 5)),
    (date(2025, 9, 4), 0, date(2025, 10, 9)),
    (date(2025, 8, 29), 0, date(2025, 9, 28)),
    (date(2026, 1, 17), 0, date(2026, 2, 24)),
    (date(2026, 9, 2), 0, date(2026, 10, 8)),
    (date(2026, 9, 10), 0, date(2026, 10, 10)),
    (date(2026, 7, 3), 60, date(2026, 10, 8)),
]


@pytest.mark.parametrize(("accepted", "due"), TRANSFER_CASES, ids=str)
def test_transfer_deadline_by_hand(accepted, due):
    assert deadlines.transfer_due(OFFICIAL, RULES, accepted) == (due, False)


@pytest.mark.parametrize(("received", "extension", "due"), RESULT_CASES, ids=str)
def test_result_deadline_by_hand(received, extension, due):
    assert deadlines.result_due(OFFICIAL, RULES, received, extension) == (due, False)


def test_warning_counts_working_days_back_over_the_holiday():
    # 3 working days before 2026-10-09: 10-08, then 09-30, 09-29 (10-01..07 off) → warn from 09-29.
    assert deadlines.warn_from(OFFICIAL, RULES, date(2026, 10, 9)) == (date(2026, 9, 29), False)


def test_without_a_2027_schedule_the_count_is_on_weekends_and_says_so():
    calendar = WorkCalendar(OFFICIAL.schedule(y) for y in OFFICIAL.years if y <= 2026)
    assert not calendar.covers(2027)
    # 2026-12-18 Fri + 10: 12-21..25, 12-28..31 are 9, 2027-01-01 (a Friday) counted as the 10th.
    assert deadlines.transfer_due(calendar, RULES, date(2026, 12, 18)) == (date(2027, 1, 1), True)
    # Counted within 2026 only: exact.
    assert deadlines.transfer_due(calendar, RULES, date(2026, 12, 1)) == (date(2026, 12, 15), False)


TEST_2027 = {
    # A schedule for the test (the shape of the State Council's notice): New Year and Spring
    # Festival off, one make-up Saturday.
    "holidays": ["2027-01-01~2027-01-03", "2027-02-06~2027-02-12"],
    "workdays": ["2027-02-20"],
    "notice": "测试用 2027 年节假日安排",
}


@pytest.fixture
def calendar_clock(gateway):
    """complaint-api's calendar cache on a clock the test moves."""
    source = complaint_app(gateway).state.calendar_source
    saved = source.clock
    now = {"t": 1.0e9}
    source.clock = lambda: now["t"]
    yield now
    source.clock = saved
    source.invalidate()  # its last read happened in the test's time: read again on the real clock


async def test_year_end_provisional_then_exact_after_2027_is_loaded(client, cty, clock, calendar_clock, gateway):
    app = complaint_app(gateway)
    source = app.state.calendar_source
    assert not (await source.calendar()).covers(2027), "2027 must not be loaded before this test"
    clock.set(date(2026, 12, 18))

    async def new_accepted() -> str:
        r = await client.post(BASE, json=staff_body(), headers=cty.office)
        assert r.status_code == 201, r.text
        r = await client.post(f"{BASE}/{r.json()['id']}/accept", json={}, headers=cty.office)
        assert r.status_code == 200, r.text
        return r.json()["id"]

    # A: accepted on Friday 2026-12-18, its transfer deadline runs into 2027.
    a = await new_accepted()
    got = (await client.get(f"{BASE}/{a}", headers=cty.office)).json()
    transfer = next(d for d in got["deadlines"] if d["kind"] == "transfer")
    assert (transfer["due"], transfer["provisional"], transfer["running"]) == ("2027-01-01", True, True)
    assert "第二十六条" in transfer["basis"]

    # B: assigned on 2026-12-24 and extended by 14 days: 44 days → 2027-02-06, a Saturday →
    # Monday 2027-02-08 on weekends alone.
    b = await new_accepted()
    clock.set(date(2026, 12, 24))
    r = await client.post(f"{BASE}/{b}/assign", json={"unit_id": cty.world.unit_a.id}, headers=cty.office)
    assert r.status_code == 200, r.text
    assert (await client.post(f"{BASE}/{b}/start", json={}, headers=cty.unit)).status_code == 200
    r = await client.post(f"{BASE}/{b}/extensions", json={"days": 14, "reason": "需核对结算资料"}, headers=cty.unit)
    assert r.status_code == 201, r.text
    r = await client.post(f"{BASE}/{b}/extensions/{r.json()['id']}/approve", json={}, headers=cty.leader)
    assert r.status_code == 200, r.text
    got = (await client.get(f"{BASE}/{b}", headers=cty.office)).json()
    result = next(d for d in got["deadlines"] if d["kind"] == "result")
    assert (result["due"], result["provisional"]) == ("2027-02-08", True)

    # The office's queue marks them.
    queue = await client.get(f"{BASE}?provisional=true&limit=100", headers=cty.office)
    assert {a, b} <= {row["id"] for row in queue.json()["items"]}

    # Operators load 2027 in ledger-api (security_admin: calendar:manage).
    preview = await client.post("/api/ledger/calendar/years/2027/preview", json=TEST_2027, headers=cty.security)
    assert preview.status_code == 200, preview.text
    assert preview.json()["current"] == "none"
    assert preview.json()["months"][1]["days"][5] == {"date": "2027-02-06", "kind": "holiday"}
    assert preview.json()["months"][1]["days"][19] == {"date": "2027-02-20", "kind": "makeup"}
    r = await client.put("/api/ledger/calendar/years/2027", json=TEST_2027, headers=cty.security)
    assert r.status_code == 200, r.text

    # Within the minute of staleness, complaint-api may still count on weekends: nothing moves.
    calendar_clock["t"] += 59
    assert not (await source.calendar()).covers(2027)
    await scheduled.run(app)
    got = (await client.get(f"{BASE}/{a}", headers=cty.office)).json()
    assert next(d for d in got["deadlines"] if d["kind"] == "transfer")["provisional"] is True

    # After it, the year is known and the job recomputes every open provisional deadline.
    calendar_clock["t"] += 2
    assert (await source.calendar()).covers(2027)
    result_counts = await scheduled.run(app)
    assert result_counts["recomputed"] >= 2
    got_a = (await client.get(f"{BASE}/{a}", headers=cty.office)).json()
    transfer = next(d for d in got_a["deadlines"] if d["kind"] == "transfer")
    assert (transfer["due"], transfer["provisional"]) == ("2027-01-04", False)
    got_b = (await client.get(f"{BASE}/{b}", headers=cty.office)).json()
    result = next(d for d in got_b["deadlines"] if d["kind"] == "result")
    assert (result["due"], result["provisional"]) == ("2027-02-15", False)

    timeline = (await client.get(f"{BASE}/{b}/events", headers=cty.office)).json()
    recomputed = [e for e in timeline if e["kind"] == "deadline_recomputed"]
    assert len(recomputed) == 1
    assert recomputed[0]["data"]["deadlines"]["result_due"] == ["2027-02-08", "2027-02-15"]
    assert recomputed[0]["data"]["deadlines"]["transfer_due"] == ["2027-01-01", "2027-01-04"]

    # A second run finds nothing to do.
    assert (await scheduled.run(app)) == {"provisional": 0, "recomputed": 0}
    queue = await client.get(f"{BASE}?provisional=true&limit=100", headers=cty.office)
    assert not {a, b} & {row["id"] for row in queue.json()["items"]}
