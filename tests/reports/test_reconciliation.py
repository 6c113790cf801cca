"""Acceptance 3 of issue 11: every report figure equals sums computed here, independently, from the
items the list returns (GET /items) — after creates, repayments, verifications, rejections,
reversals, adjustments, voids and write-offs; from the trigger-kept aggregates and from the items
alike; and the aggregates equal a GROUP BY over arrears_item for the whole database."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import asyncpg

from tests.platform.test_database_roles import _dsn
from tests.support.flag_scenarios import TODAY, actors, day, upload, verify
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login

OWED = ("open", "resolving", "claimed_cleared")


def rate(verified: Decimal, principal: Decimal) -> str | None:
    if not principal:
        return None
    return f"{(verified / principal).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


async def all_items(client, h, **params) -> list[dict]:
    out, page = [], 1
    while True:
        r = await client.get("/api/ledger/items", params={"page_size": 200, "page": page, **params}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["items"]
        if page * 200 >= body["total"]:
            return out
        page += 1


def expected_groups(items: list[dict], key) -> dict[str, dict]:
    groups: dict[str, dict] = defaultdict(
        lambda: {"items": 0, "principal": Decimal(0), "verified": Decimal(0), "outstanding": Decimal(0), "by": {}}
    )
    for item in items:
        g = groups[key(item)]
        g["by"][item["status"]] = g["by"].get(item["status"], 0) + 1
        if item["status"] == "void":
            continue
        g["items"] += 1
        g["principal"] += Decimal(item["principal"])
        g["verified"] += Decimal(item["verified_repaid"])
        g["outstanding"] += Decimal(item["outstanding"])
    return groups


def dispute_key(item: dict) -> str:
    if not item["disputed"]:
        return "undisputed"
    return item["dispute_route"] or "unspecified"


KEYS = {
    "unit": lambda i: i["responsible_unit_id"],
    "debtor_type": lambda i: i["debtor_type"],
    "dispute": dispute_key,
    "status": lambda i: i["status"],
    "region": lambda i: i["region_path"],
}


async def check_totals(client, h, group_by: str, **filters) -> dict:
    items = await all_items(client, h, **filters)
    r = await client.get("/api/ledger/reports/totals", params={"group_by": group_by, **filters}, headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    expected = expected_groups(items, KEYS[group_by])
    got = {row["key"]: row for row in report["rows"]}
    assert set(got) == set(expected), (group_by, filters)
    for key, e in expected.items():
        row = got[key]
        assert (row["items"], row["principal"], row["verified_repaid"], row["outstanding"]) == (
            e["items"],
            f"{e['principal']:.2f}",
            f"{e['verified']:.2f}",
            f"{e['outstanding']:.2f}",
        ), (group_by, key)
        assert row["clearance_rate"] == rate(e["verified"], e["principal"])
        assert row["by_status"] == e["by"]
        # The row's list is the list of exactly these items.
        behind = await all_items(client, h, **row["filters"]) if group_by != "dispute" else None
        if behind is not None:
            assert sorted(i["id"] for i in behind) == sorted(i["id"] for i in items if KEYS[group_by](i) == key)
    everything = expected_groups(items, lambda i: "all")["all"]
    assert report["total"]["items"] == everything["items"]
    assert report["total"]["outstanding"] == f"{everything['outstanding']:.2f}"
    assert report["total"]["by_status"] == everything["by"]
    # The same figures as the list's own totals endpoint.
    totals = (await client.get("/api/ledger/items/totals", params=filters, headers=h)).json()
    assert (totals["items"], totals["principal"], totals["outstanding"]) == (
        report["total"]["items"],
        report["total"]["principal"],
        report["total"]["outstanding"],
    )
    return report


async def check_ageing(client, h, buckets: str = "30,90,180,365", **filters) -> dict:
    items = await all_items(client, h, **filters)
    r = await client.get("/api/ledger/reports/ageing", params={"buckets": buckets, **filters}, headers=h)
    assert r.status_code == 200, r.text
    report = r.json()
    bounds = [int(b) for b in buckets.split(",")]
    expected: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for item in items:
        if item["status"] not in OWED or Decimal(item["outstanding"]) <= 0:
            continue
        if item["due_date"] is None:
            key = "no_due_date"
        else:
            days = (TODAY - __import__("datetime").date.fromisoformat(item["due_date"])).days
            if days <= 0:
                key = "not_due"
            else:
                low = 1
                key = None
                for b in bounds:
                    if days <= b:
                        key = f"d{low}_{b}"
                        break
                    low = b + 1
                key = key or f"d{low}_"
        expected[key][0] += 1
        expected[key][1] += Decimal(item["outstanding"])
    got = {b["key"]: (b["items"], b["outstanding"]) for b in report["buckets"]}
    for key, (n, owed) in got.items():
        assert (n, owed) == (expected[key][0], f"{expected[key][1]:.2f}"), key
    assert set(expected) <= set(got)
    overdue = await all_items(client, h, overdue="true", **filters)
    assert report["overdue_items"] == len(overdue)
    assert report["overdue_outstanding"] == f"{sum((Decimal(i['outstanding']) for i in overdue), Decimal(0)):.2f}"
    return report


async def check_everything(client, h, platform_db, *, source: str = "aggregate") -> None:
    for group_by in KEYS:
        report = await check_totals(client, h, group_by)
        assert report["source"] == source
    assert (await check_ageing(client, h))["source"] == source
    await check_ageing(client, h, buckets="7,45")
    await aggregates_match_items(platform_db)


async def aggregates_match_items(platform_db) -> None:
    """The trigger-kept tables against a GROUP BY over the items, for the whole test database."""
    conn = await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))
    try:
        diff = await conn.fetch(
            """
            WITH a AS (SELECT region_path, unit_id, debtor_type, disputed, dispute_route, status,
                              sum(item_count) n, sum(principal) p, sum(verified_repaid) v,
                              sum(adjustments_total) j, sum(outstanding) o
                       FROM ledger.report_item_agg GROUP BY 1, 2, 3, 4, 5, 6
                       HAVING sum(item_count) <> 0 OR sum(principal) <> 0),
                 i AS (SELECT region_path, responsible_unit_id unit_id, debtor_type, disputed,
                              coalesce(dispute_route, '') dispute_route, status, count(*) n, sum(principal) p,
                              sum(verified_repaid) v, sum(adjustments_total) j, sum(outstanding) o
                       FROM ledger.arrears_item GROUP BY 1, 2, 3, 4, 5, 6)
            (SELECT * FROM a EXCEPT SELECT * FROM i) UNION ALL (SELECT * FROM i EXCEPT SELECT * FROM a)
            """
        )
        assert diff == []
        owed = "status IN ('open','resolving','claimed_cleared') AND outstanding > 0 AND due_date IS NOT NULL"
        for table, column, expr in (
            ("report_due_day_agg", "due_date", "due_date"),
            ("report_due_month_agg", "due_month", "date_trunc('month', due_date)::date"),
        ):
            diff = await conn.fetch(
                f"""
                WITH a AS (SELECT region_path, unit_id, {column} k, sum(item_count) n, sum(outstanding) o
                           FROM ledger.{table} GROUP BY 1, 2, 3 HAVING sum(item_count) <> 0),
                     i AS (SELECT region_path, responsible_unit_id, {expr} k, count(*) n, sum(outstanding) o
                           FROM ledger.arrears_item WHERE {owed} GROUP BY 1, 2, 3)
                (SELECT * FROM a EXCEPT SELECT * FROM i) UNION ALL (SELECT * FROM i EXCEPT SELECT * FROM a)
                """
            )
            assert diff == [], table
        diff = await conn.fetch(
            """
            WITH a AS (SELECT region_path, unit_id, kind, sum(active) n FROM ledger.report_flag_agg
                       GROUP BY 1, 2, 3 HAVING sum(active) <> 0),
                 i AS (SELECT i.region_path, i.responsible_unit_id, f.kind, count(*) n
                       FROM ledger.red_flag f JOIN ledger.arrears_item i ON i.id = f.item_id
                       WHERE f.cleared_at IS NULL GROUP BY 1, 2, 3)
            (SELECT * FROM a EXCEPT SELECT * FROM i) UNION ALL (SELECT * FROM i EXCEPT SELECT * FROM a)
            """
        )
        assert diff == []
    finally:
        await conn.close()


async def test_reports_reconcile_with_the_items_after_every_kind_of_change(client, worlds, world, platform_db):
    a = await actors(client, worlds, world)
    operator_b = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    hb = bearer((await login(client, operator_b.username, ip=world.client_ip))["access_token"])
    ho = a.ho

    # Creates: two units, several debtor types, each dispute route, due dates across the buckets.
    road = await make_debt(client, a.h, world, principal="300000.00", due_date=day(-400))
    school = await make_debt(
        client, a.h, world, principal="86400.50", debtor_type="fully_funded_institution", due_date=day(-100)
    )
    pump = await make_debt(
        client, hb, world, principal="452000.00", debtor_type="soe", unit=world.unit_b, due_date=day(20)
    )
    dispute = await make_debt(
        client,
        hb,
        world,
        principal="78000.00",
        unit=world.unit_b,
        due_date=day(-45),
        disputed=True,
        dispute_route="litigation",
        court_case_no="（2025）示0121民初1号",
    )
    mediation = await make_debt(
        client,
        a.h,
        world,
        principal="125000.00",
        debtor_type="platform_company",
        due_date=day(-200),
        disputed=True,
        dispute_route="mediation",
    )
    undated = await make_debt(client, a.h, world, principal="9999.99", due_date=None)
    cleared = await make_debt(
        client, hb, world, principal="23600.00", unit=world.unit_b, due_date=day(-10), debtor_type="large_enterprise"
    )
    wrong = await make_debt(client, a.h, world, principal="36000.00", due_date=day(-5))
    await check_everything(client, ho, platform_db)

    # Repayments reported (nothing counts yet), then verified; one rejected.
    r1 = await report_with_receipt(client, a.h, road["id"], "100000.00")
    r2 = await report_with_receipt(client, hb, cleared["id"], "23600.00")
    r3 = await report_with_receipt(client, a.h, school["id"], "400.50")
    await check_everything(client, ho, platform_db)
    await verify(client, ho, road["id"], r1["id"])
    await verify(client, ho, cleared["id"], r2["id"])
    r = await client.post(
        f"/api/ledger/items/{school['id']}/repayments/{r3['id']}/reject", json={"reason": "回单金额不符"}, headers=ho
    )
    assert r.status_code == 200, r.text
    await check_everything(client, ho, platform_db)

    # A reversal of a verified repayment; an adjustment down and one up.
    r = await client.post(
        f"/api/ledger/items/{road['id']}/repayments/{r1['id']}/reverse", json={"reason": "重复入账"}, headers=ho
    )
    assert r.status_code == 201, r.text
    r4 = await report_with_receipt(client, a.h, road["id"], "50000.00")
    await verify(client, ho, road["id"], r4["id"])
    for amount in ("-20000.00", "1500.25"):
        r = await client.post(
            f"/api/ledger/items/{mediation['id']}/adjustments",
            json={"amount": amount, "reason": "调解协议核减" if amount.startswith("-") else "利息计入"},
            headers=ho,
        )
        assert r.status_code == 201, r.text
    await check_everything(client, ho, platform_db)

    # A void and a write-off.
    etag = (await client.get(f"/api/ledger/items/{wrong['id']}", headers=a.h)).headers["etag"]
    r = await client.post(
        f"/api/ledger/items/{wrong['id']}/void", json={"reason": "重复录入，作废"}, headers={**a.h, "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    await upload(client, hb, cleared["id"], "confirmation")
    etag = (await client.get(f"/api/ledger/items/{cleared['id']}", headers=ho)).headers["etag"]
    r = await client.post(f"/api/ledger/items/{cleared['id']}/write-off", headers={**ho, "If-Match": etag})
    assert r.status_code == 200, r.text
    await check_everything(client, ho, platform_db)

    # Filters: on the aggregates' key, and ones only the items can answer.
    await check_totals(client, ho, "unit", debtor_type="government_agency")
    await check_totals(client, ho, "debtor_type", unit_id=world.unit_b.id, status="open")
    assert (await check_totals(client, ho, "dispute", overdue="true"))["source"] == "items"
    assert (await check_totals(client, ho, "unit", q="道路"))["source"] == "items"
    assert (await check_ageing(client, ho, unit_id=world.unit_a.id))["source"] == "aggregate"
    assert (await check_ageing(client, ho, debtor_type="soe"))["source"] == "items"
    # A unit operator sees its own unit's figures only.
    report = await check_totals(client, hb, "unit")
    assert [row["key"] for row in report["rows"]] == [world.unit_b.id]

    # Writers that are not the API keep the aggregates too: one statement over many rows (as a
    # migration or a bulk job would), by the schema's owner.
    conn = await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))
    try:
        moved = await conn.execute(
            "UPDATE ledger.arrears_item SET due_date = due_date - 35 WHERE region_path = $1 AND due_date IS NOT NULL",
            world.county.path,
        )
        assert moved == "UPDATE 7"
    finally:
        await conn.close()
    await check_everything(client, ho, platform_db)
    assert {pump["id"], dispute["id"], undated["id"]} <= {i["id"] for i in await all_items(client, ho)}


async def test_concurrent_writers_keep_the_aggregates_exact(client, worlds, world, platform_db):
    """Sixteen repayments verified at once on items of one slice (same unit, type, status): no
    deadlock, no lost update."""
    a = await actors(client, worlds, world)
    items = [await make_debt(client, a.h, world, principal="1000.00", due_date=day(-40)) for _ in range(8)]
    repayments = [await report_with_receipt(client, a.h, i["id"], "10.00") for i in items for _ in range(2)]
    pairs = [(items[k // 2], repayments[k]) for k in range(16)]

    async def go(item, repayment):
        r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{repayment['id']}/verify", headers=a.ho)
        assert r.status_code == 200, r.text

    await asyncio.gather(*(go(i, r) for i, r in pairs))
    report = await check_totals(client, a.ho, "unit")
    assert report["total"]["verified_repaid"] == "160.00"
    await aggregates_match_items(platform_db)


async def test_service_identity_reads_reports_for_a_region(client, worlds, world, platform_db):
    """The weekly bulletin (notify-api) reads the reports with its service identity."""
    a = await actors(client, worlds, world)
    await make_debt(client, a.h, world, principal="5000.00")
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "notify-api",
            "client_secret": platform_db.client_secret("notify-api"),
        },
    )
    assert r.status_code == 200, r.text
    hs = bearer(r.json()["access_token"])
    as_service = await client.get("/api/ledger/reports/ranking", params={"region": world.county.path}, headers=hs)
    as_office = await client.get("/api/ledger/reports/ranking", headers=a.ho)
    assert as_service.status_code == 200, as_service.text
    strip = lambda body: [{k: v for k, v in row.items()} for row in body["rows"]]  # noqa: E731
    assert strip(as_service.json()) == strip(as_office.json())
    assert [row["unit_id"] for row in as_service.json()["rows"]] == [world.unit_a.id]
