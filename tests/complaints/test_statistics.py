"""Complaint statistics by unit and by month, against figures counted by hand (dates chosen
around Qingming 2026: April 4–6 off), and the same figures in the .xlsx export."""

from __future__ import annotations

import io
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook

from tests.complaints.helpers import TestClock as Clock
from tests.complaints.helpers import complaint_app, county
from tests.complaints.lifecycle import act, close, receive

D = date


@pytest.fixture(scope="module")
async def stats_county(gateway, worlds):
    """A county of its own, with five complaints:

    c1 received 3-02, accepted 3-02 (transfer due 3-16), assigned 3-05 to unit A, replied 3-20
       (result due 3-05 + 30 days = Sat 4-04, in Qingming: 4-07), satisfied, closed 3-24: 22 days.
    c2 received 3-02, accepted 3-02, assigned 3-20 (late), handling; result due 3-20 + 30 = Sun 4-19
       → 4-20: past on 4-30, unanswered → late.
    c3 received 3-03, not accepted (not a goods/works/services debt).
    c4 received 3-04, waiting for acceptance.
    c5 received 4-01, accepted 4-01, assigned 4-02 to unit B, replied 4-03, basically satisfied,
       closed 4-08: 7 days.
    """
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        cty = await county(c, worlds, await worlds.create())
        clock = Clock(complaint_app(gateway))
        try:
            c1 = await receive(c, cty, clock, D(2026, 3, 2))
            await close(
                c,
                cty,
                clock,
                c1,
                [D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 20), D(2026, 3, 23), D(2026, 3, 24)],
            )
            c2 = await receive(c, cty, clock, D(2026, 3, 2))
            await act(c, cty, clock, c2, "accept", D(2026, 3, 2))
            await act(c, cty, clock, c2, "assign", D(2026, 3, 20), {"unit_id": cty.world.unit_a.id})
            await act(c, cty, clock, c2, "start", D(2026, 3, 23))
            c3 = await receive(c, cty, clock, D(2026, 3, 3))
            await act(
                c,
                cty,
                clock,
                c3,
                "reject",
                D(2026, 3, 3),
                {
                    "reason": "not_goods_works_services",
                    "explanation": "所述款项为借款，不属于采购货物、工程、服务的款项。",
                },
            )
            await receive(c, cty, clock, D(2026, 3, 4))
            c5 = await receive(c, cty, clock, D(2026, 4, 1))
            await act(c, cty, clock, c5, "accept", D(2026, 4, 1))
            await act(c, cty, clock, c5, "assign", D(2026, 4, 2), {"unit_id": cty.world.unit_b.id})
            await act(c, cty, clock, c5, "start", D(2026, 4, 2), who=cty.other_unit)
            await act(c, cty, clock, c5, "reply", D(2026, 4, 3), {"result": "款项已于4月3日付清。"}, who=cty.other_unit)
            await act(c, cty, clock, c5, "revisit", D(2026, 4, 7), {"satisfaction": "basically_satisfied"})
            await act(c, cty, clock, c5, "close", D(2026, 4, 8))
            clock.set(D(2026, 4, 30))
            yield cty
        finally:
            clock.restore()


def _figures(row: dict) -> dict:
    keys = (
        "received",
        "accepted",
        "not_accepted",
        "pending_acceptance",
        "transfer_on_time",
        "transfer_late",
        "result_on_time",
        "result_late",
        "closed",
        "average_handling_days",
        "satisfaction_rate",
    )
    return {k: row[k] for k in keys}


PARAMS = {"from": "2026-03-01", "to": "2026-04-30"}


async def test_statistics_by_unit(client, stats_county):
    cty = stats_county
    r = await client.get(
        "/api/complaints/statistics/complaints", params={**PARAMS, "group_by": "unit"}, headers=cty.office
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2026-04-30"
    assert _figures(body["total"]) == {
        "received": 5,
        "accepted": 3,
        "not_accepted": 1,
        "pending_acceptance": 1,
        "transfer_on_time": 2,
        "transfer_late": 1,
        "result_on_time": 2,
        "result_late": 1,
        "closed": 2,
        "average_handling_days": "14.50",
        "satisfaction_rate": "100.00",
    }
    assert body["total"]["not_accepted_by_reason"] == {
        "not_goods_works_services": 1,
        "in_other_proceedings": 0,
        "repeat_without_new_facts": 0,
    }
    assert body["total"]["satisfaction"] == {"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 0}
    rows = {row["key"]: row for row in body["rows"]}
    a, b = cty.world.unit_a, cty.world.unit_b
    assert set(rows) == {a.id, b.id, None}
    assert rows[a.id]["label"] == a.name and rows[b.id]["label"] == b.name and rows[None]["label"] == "未分办"
    assert _figures(rows[a.id]) == {
        "received": 2,
        "accepted": 2,
        "not_accepted": 0,
        "pending_acceptance": 0,
        "transfer_on_time": 1,
        "transfer_late": 1,
        "result_on_time": 1,
        "result_late": 1,
        "closed": 1,
        "average_handling_days": "22.00",
        "satisfaction_rate": "100.00",
    }
    assert _figures(rows[b.id]) == {
        "received": 1,
        "accepted": 1,
        "not_accepted": 0,
        "pending_acceptance": 0,
        "transfer_on_time": 1,
        "transfer_late": 0,
        "result_on_time": 1,
        "result_late": 0,
        "closed": 1,
        "average_handling_days": "7.00",
        "satisfaction_rate": "100.00",
    }
    assert _figures(rows[None]) == {
        "received": 2,
        "accepted": 0,
        "not_accepted": 1,
        "pending_acceptance": 1,
        "transfer_on_time": 0,
        "transfer_late": 0,
        "result_on_time": 0,
        "result_late": 0,
        "closed": 0,
        "average_handling_days": None,
        "satisfaction_rate": None,
    }


async def test_statistics_by_month_and_scope(client, stats_county):
    cty = stats_county
    r = await client.get(
        "/api/complaints/statistics/complaints", params={**PARAMS, "group_by": "month"}, headers=cty.office
    )
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert [(k, rows[k]["label"], rows[k]["received"]) for k in sorted(rows)] == [
        ("2026-03", "2026年3月", 4),
        ("2026-04", "2026年4月", 1),
    ]
    assert rows["2026-03"]["transfer_late"] == 1 and rows["2026-04"]["average_handling_days"] == "7.00"
    # A unit sees its own complaints only.
    r = await client.get(
        "/api/complaints/statistics/complaints", params={**PARAMS, "group_by": "total"}, headers=cty.other_unit
    )
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["total"]["received"]) == ([], 1)
    r = await client.get(
        "/api/complaints/statistics/complaints", params={"from": "2026-05-01", "to": "2026-04-01"}, headers=cty.office
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["to"]


async def test_statistics_export_xlsx(client, stats_county):
    cty = stats_county
    r = await client.get(
        "/api/complaints/statistics/complaints.xlsx", params={**PARAMS, "group_by": "unit"}, headers=cty.office
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.content), read_only=True)["投诉统计"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "投诉统计　2026-03-01 至 2026-04-30（按收到日期）"
    assert rows[1][0].startswith("导出人：")
    header = rows[2]
    assert header[:4] == ["分组", "收到", "受理", "不予受理"]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["分组"] == "合计"
    assert (total["收到"], total["按期分办"], total["超期反馈"], total["平均办理天数"], total["满意率（%）"]) == (
        5,
        2,
        1,
        14.5,
        100,
    )
    assert len(rows) == 3 + 3 + 1  # title, stamp, header; three units; total
    r = await client.get(
        "/api/complaints/audit", params={"action": "complaint.statistics_exported"}, headers=cty.auditor
    )
    assert r.status_code == 200, r.text
    assert any(e["after"] == {**PARAMS, "group_by": "unit"} for e in r.json()["items"])
