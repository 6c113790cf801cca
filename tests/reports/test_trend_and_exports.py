"""Weekly snapshots from the ledger's history, the trend and week-on-week change they give, the
units' ranking with weekly-update punctuality, and the .xlsx and PDF exports (audited)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import asyncpg
from openpyxl import load_workbook

from ledger_api.identity import org as identity
from ledger_api.reports.service import snapshot_missing_weeks, snapshot_week, week_end
from ledger_api.weekly.rules import week_label, week_start
from tests.platform.test_database_roles import _dsn
from tests.support.flag_scenarios import TODAY, actors, day, verify
from tests.support.ledger_helpers import make_debt, report_with_receipt

THIS_MONDAY = week_start(TODAY)
LAST_MONDAY = THIS_MONDAY - timedelta(days=7)
TWO_AGO = THIS_MONDAY - timedelta(days=14)


async def owner(platform_db):
    return await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))


async def test_snapshots_trend_and_week_on_week_change(client, worlds, world, platform_db):
    a = await actors(client, worlds, world)
    old = await make_debt(client, a.h, world, principal="100000.00", due_date=day(-90))
    older = await make_debt(client, a.h, world, principal="50000.00", due_date=day(-30), debtor_type="soe")
    await make_debt(client, a.h, world, principal="7000.00", due_date=day(-3))
    paid_long_ago = await report_with_receipt(client, a.h, old["id"], "30000.00")
    await verify(client, a.ho, old["id"], paid_long_ago["id"])
    paid_this_week = await report_with_receipt(client, a.h, older["id"], "5000.00")
    await verify(client, a.ho, older["id"], paid_this_week["id"])
    # History: two items entered three weeks ago, one repayment verified two weeks ago, and last
    # week's update filed for one of the two (as if the ledger had been kept for weeks).
    conn = await owner(platform_db)
    try:
        three_weeks = week_end(THIS_MONDAY - timedelta(days=28))
        await conn.execute(
            "UPDATE ledger.arrears_item SET created_at = $2 WHERE id = ANY($1::varchar[])",
            [old["id"], older["id"]],
            three_weeks,
        )
        await conn.execute(
            "UPDATE ledger.repayment SET verified_at = $2 WHERE id = $1",
            paid_long_ago["id"],
            week_end(TWO_AGO) - timedelta(days=2),
        )
        await conn.execute(
            "INSERT INTO ledger.weekly_update (id, item_id, week_start, week, progress, paid_this_week, next_step,"
            " author_id, unit_id, version) VALUES ($1, $2, $3, $4, '已催办', 0, '继续跟进', $5, $6, 1)",
            f"wu-{world.tag}-{old['id'][:8]}",
            old["id"],
            LAST_MONDAY,
            week_label(LAST_MONDAY),
            a.operator_id,
            world.unit_a.id,
        )
    finally:
        await conn.close()

    async with worlds.sessions() as session:
        done = await snapshot_missing_weeks(session, today=TODAY, back_weeks=4)
        # Weeks computed earlier by another test hold the whole database as it was then: recompute ours.
        for monday in (TWO_AGO, LAST_MONDAY):
            await snapshot_week(session, monday)
        await session.commit()
    assert all(w < week_label(TODAY) for w in done), "only complete weeks are snapshot"

    r = await client.get("/api/ledger/reports/trend", params={"since": week_label(TWO_AGO)}, headers=a.ho)
    assert r.status_code == 200, r.text
    trend = r.json()
    points = {p["week"]: p for p in trend["points"]}
    two_ago, last, now = points[week_label(TWO_AGO)], points[week_label(LAST_MONDAY)], points[week_label(TODAY)]
    # Two weeks ago and last week: the two old items; the long-ago repayment counted.
    for point in (two_ago, last):
        assert (point["items"], point["principal"], point["verified_repaid"], point["outstanding"]) == (
            2,
            "150000.00",
            "30000.00",
            "120000.00",
        )
        assert point["clearance_rate"] == "0.2000" and point["live"] is False
    # This week, live: the new item and this week's repayment too.
    assert (now["items"], now["principal"], now["verified_repaid"], now["outstanding"], now["live"]) == (
        3,
        "157000.00",
        "35000.00",
        "122000.00",
        True,
    )
    assert trend["change"] == {
        "week": week_label(TODAY),
        "previous_week": week_label(LAST_MONDAY),
        "outstanding": "122000.00",
        "outstanding_change": "2000.00",
        "verified_repaid": "35000.00",
        "verified_repaid_change": "5000.00",
        "items": 3,
        "items_change": 1,
        "written_off_items_change": 0,
    }
    # By debtor type: the SOE's week-end figures only.
    soe = await client.get(
        "/api/ledger/reports/trend", params={"since": week_label(LAST_MONDAY), "debtor_type": "soe"}, headers=a.ho
    )
    assert [(p["items"], p["outstanding"]) for p in soe.json()["points"]] == [(1, "50000.00"), (1, "45000.00")]

    # The ranking: last week two items were due an update, one was filed.
    ranking = (await client.get("/api/ledger/reports/ranking", headers=a.ho)).json()
    assert ranking["week"] == week_label(LAST_MONDAY)
    (row,) = ranking["rows"]
    assert (row["unit_id"], row["rank"], row["updates_due"], row["updates_filed"], row["punctuality"]) == (
        world.unit_a.id,
        1,
        2,
        1,
        "0.5000",
    )
    assert row["clearance_rate"] == f"{Decimal('35000') / Decimal('157000'):.4f}"
    assert row["outstanding_change"] == "2000.00"

    # The dashboard carries the same figures in one answer.
    dash = (await client.get("/api/ledger/reports/dashboard", headers=a.ho)).json()
    assert dash["total"]["outstanding"] == "122000.00"
    assert dash["trend"]["change"]["outstanding_change"] == "2000.00"
    assert dash["ranking"]["rows"][0]["punctuality"] == "0.5000"
    assert [b["items"] for b in dash["ageing"]["buckets"]] == [0, 2, 1, 0, 0, 0, 0]


async def test_exports_as_xlsx_and_pdf_are_audited_and_safe(client, worlds, world, platform_db):
    a = await actors(client, worlds, world)
    async with worlds.sessions() as session:
        risky = await identity.create_unit(session, name=f'=HYPERLINK("http://x")局{world.tag}', region=world.county)
        await session.commit()
    await make_debt(client, a.h, world, principal="12345.67")
    await make_debt(client, a.ho, world, principal="1000.00", unit=risky)
    r = await client.get(
        "/api/ledger/reports/totals/export", params={"format": "xlsx", "group_by": "unit"}, headers=a.ho
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "清欠台账汇总表（按责任单位）"
    assert rows[2][0].startswith("导出人：")
    assert rows[4][:6] == ["分组", "笔数", "欠款金额（元）", "已核实还款（元）", "未清偿金额（元）", "清偿率"]
    # Amounts are numbers in the sheet (openpyxl reads them back as floats: compare as text).
    body = {row[0]: [row[1], f"{row[2]:.2f}", f"{row[3]:.2f}"] for row in rows[5:] if row[0] and row[1] is not None}
    assert body[world.unit_a.name] == [1, "12345.67", "0.00"]
    # A unit named like a formula stays text.
    assert body[f"'{risky.name}"] == [1, "1000.00", "0.00"]
    assert body["合计"] == [2, "13345.67", "0.00"]

    r = await client.get("/api/ledger/reports/ageing/export", params={"format": "pdf"}, headers=a.ho)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    # The CJK font travels inside the file (a subset), so any reader shows the Chinese.
    assert b"/FontFile3" in r.content and b"NotoSansCJKSC" in r.content

    for report in ("trend", "ranking", "flags"):
        r = await client.get(f"/api/ledger/reports/{report}/export", params={"format": "pdf"}, headers=a.ho)
        assert r.status_code == 200, (report, r.text)
    r = await client.get("/api/ledger/reports/ranking/export", params={"q": "道路"}, headers=a.ho)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "filters"

    conn = await owner(platform_db)
    try:
        logged = await conn.fetch(
            "SELECT object_id, after::text AS after FROM ledger.audit_log WHERE action = 'report.exported' "
            "AND region_path = $1 ORDER BY occurred_at, id",
            world.county.path,
        )
    finally:
        await conn.close()
    assert [row["object_id"] for row in logged] == ["totals", "ageing", "trend", "ranking", "flags"]
    assert '"rows": 3' in logged[0]["after"] and '"format": "xlsx"' in logged[0]["after"]


async def test_bad_report_parameters_name_the_field(client, worlds, world):
    a = await actors(client, worlds, world)
    for params, field in (
        ({"buckets": "90,30"}, "buckets"),
        ({"buckets": "30,abc"}, "buckets"),
    ):
        r = await client.get("/api/ledger/reports/ageing", params=params, headers=a.ho)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await client.get("/api/ledger/reports/trend", params={"since": "2026-W60"}, headers=a.ho)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "since", r.text
    r = await client.post(f"/api/ledger/reports/snapshots/{week_label(TODAY)}", headers=a.ho)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "week_not_over", r.text
    # A unit operator reads its reports but cannot recompute a week.
    r = await client.post(f"/api/ledger/reports/snapshots/{week_label(LAST_MONDAY)}", headers=a.h)
    assert r.status_code == 403
