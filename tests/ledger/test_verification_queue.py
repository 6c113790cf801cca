"""The verification queue (核实队列): GET /api/ledger/repayments, repayments across the items of
the caller's scope, filtered and paged on the server."""

from __future__ import annotations

from datetime import timedelta

from ledger_api.ledger import queue
from qq_kernel.clock import china_today
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login

URL = "/api/ledger/repayments"


async def _report(client, h, item_id: str, amount: str, method: str = "bank_transfer") -> dict:
    r = await client.post(
        f"/api/ledger/items/{item_id}/repayments",
        json={"paid_on": "2026-11-01", "amount": amount, "method": method},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _queue(client, h, **params) -> dict:
    r = await client.get(URL, params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def test_queue_is_scoped_like_the_items(client, worlds, world):
    other = await worlds.create()
    op_a = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    op_b = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    auditor = await worlds.user(world, roles=["auditor"], unit=world.office)
    other_op = await worlds.user(other, roles=["unit_operator"], unit=other.unit_a)
    other_office = await worlds.user(other, roles=["office_admin"], unit=other.office)
    ha, hb, ho, hau, hx, hxo = [
        bearer((await login(client, u.username, ip=world.client_ip))["access_token"])
        for u in (op_a, op_b, office, auditor, other_op, other_office)
    ]
    item_a = await make_debt(client, ha, world, unit=world.unit_a)
    item_b = await make_debt(client, hb, world, unit=world.unit_b)
    item_x = await make_debt(client, hx, other, unit=other.unit_a)
    rep_a = await report_with_receipt(client, ha, item_a["id"], "1234.50")
    rep_b = await _report(client, hb, item_b["id"], "20.00", method="commercial_bill")
    rep_x = await report_with_receipt(client, hx, item_x["id"], "30.00")

    mine = await _queue(client, ha, status="reported")
    assert [r["id"] for r in mine["items"]] == [rep_a["id"]]
    row = mine["items"][0]
    assert row["ledger_no"] == item_a["ledger_no"] and row["item_id"] == item_a["id"]
    assert row["debtor_name"] == item_a["debtor_name"] and row["creditor_name"] == item_a["creditor_name"]
    assert row["amount"] == "1234.50" and isinstance(row["amount"], str), "money travels as strings"
    assert row["item_outstanding"] == "100000.00"
    assert row["method"] == "bank_transfer" and row["status"] == "reported"
    assert row["reported_by"] == op_a.id and row["reported_by_name"] == op_a.display_name
    assert row["responsible_unit_id"] == world.unit_a.id and row["responsible_unit_name"] == world.unit_a.name
    assert row["evidence_count"] == 1 and row["reported_at"]
    assert (mine["total"], mine["total_exact"]) == (1, True)

    assert [r["id"] for r in (await _queue(client, hb))["items"]] == [rep_b["id"]]
    # The office and the auditor see their region, oldest report first; never another region.
    for h in (ho, hau):
        region = await _queue(client, h, status="reported")
        assert [r["id"] for r in region["items"]] == [rep_a["id"], rep_b["id"]]
    assert [r["id"] for r in (await _queue(client, hxo))["items"]] == [rep_x["id"]]
    # A unit filter outside the caller's scope finds nothing (it does not widen the scope).
    assert (await _queue(client, ha, unit_id=world.unit_b.id))["items"] == []
    assert (await _queue(client, hx, region=world.county.path))["items"] == []

    # The court reads the judicial items only, not the ledger's money: no queue.
    court = await worlds.user(world, roles=["court"], unit=world.office)
    hc = bearer((await login(client, court.username, ip=world.client_ip))["access_token"])
    assert (await client.get(URL, headers=hc)).status_code == 403


async def test_queue_filters_sort_and_actions(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world, principal="1000.00")
    item_b = await make_debt(client, ho, world, principal="1000.00", unit=world.unit_b)
    first = await report_with_receipt(client, h, item["id"], "100.00")
    bill = await _report(client, h, item["id"], "50.00", method="commercial_bill")
    third = await report_with_receipt(client, ho, item_b["id"], "10.00")

    ids = lambda page: [r["id"] for r in page["items"]]  # noqa: E731
    assert ids(await _queue(client, ho, status="reported")) == [first["id"], bill["id"], third["id"]]
    assert ids(await _queue(client, ho, status="reported", sort="-reported_at")) == [
        third["id"],
        bill["id"],
        first["id"],
    ]
    assert ids(await _queue(client, ho, method="commercial_bill")) == [bill["id"]]
    assert ids(await _queue(client, ho, has_evidence="false")) == [bill["id"]]
    assert ids(await _queue(client, ho, has_evidence="true")) == [first["id"], third["id"]]
    assert ids(await _queue(client, ho, unit_id=world.unit_b.id)) == [third["id"]]
    assert ids(await _queue(client, ho, region=world.county.path, unit_id=world.unit_a.id)) == [
        first["id"],
        bill["id"],
    ]
    today = china_today()
    assert len((await _queue(client, ho, reported_from=today.isoformat(), reported_to=today.isoformat()))["items"]) == 3
    assert (await _queue(client, ho, reported_from=(today + timedelta(days=1)).isoformat()))["items"] == []
    assert (await _queue(client, ho, reported_to=(today - timedelta(days=1)).isoformat()))["items"] == []
    r = await client.get(
        URL,
        params={"reported_from": today.isoformat(), "reported_to": (today - timedelta(days=1)).isoformat()},
        headers=ho,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.reported_to"
    r = await client.get(URL, params={"status": "paid"}, headers=ho)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.status.0"

    # Paging: page 2 of 2-per-page is the third oldest.
    page2 = await _queue(client, ho, status="reported", page=2, page_size=2)
    assert ids(page2) == [third["id"]] and (page2["total"], page2["page"]) == (3, 2)

    # Verified and rejected under the item: they leave the pending queue, and stay findable.
    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{first['id']}/verify", headers=ho)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments/{bill['id']}/reject", json={"reason": "不接受商业汇票"}, headers=ho
    )
    assert r.status_code == 200, r.text
    assert ids(await _queue(client, ho, status="reported")) == [third["id"]]
    done = await _queue(client, ho, status=["verified", "rejected"])
    assert ids(done) == [first["id"], bill["id"]]
    assert done["items"][0]["verified_at"] and done["items"][1]["rejection_reason"] == "不接受商业汇票"
    assert done["items"][0]["item_outstanding"] == "900.00"


async def test_a_queue_beyond_the_count_cap_reads_in_reported_order(client, worlds, world, monkeypatch):
    """Past the cap the page is read in reported order straight from the index, not from the
    whole matching set: both ways give the same rows."""
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, ho, world, principal="1000.00", unit=world.unit_a)
    reported = [await _report(client, ho, item["id"], f"{n}.00") for n in (1, 2, 3, 4)]
    small = await _queue(client, ho, status="reported", page_size=2, page=2)
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    capped = await _queue(client, ho, status="reported", page_size=2, page=2)
    assert (capped["total"], capped["total_exact"]) == (2, False)
    expected = [reported[2]["id"], reported[3]["id"]]
    assert [r["id"] for r in capped["items"]] == [r["id"] for r in small["items"]] == expected


async def test_a_returned_repayment_says_who_returned_it_when_and_why(client, worlds, world):
    """Issue 15: the reporting unit sees who returned its repayment (by name: it cannot list the
    office's people), when (verified_at, shown as 退回时间) and why."""
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world, principal="1000.00")
    returned = await report_with_receipt(client, h, item["id"], "100.00")
    waiting = await report_with_receipt(client, h, item["id"], "20.00")
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments/{returned['id']}/reject",
        json={"reason": "凭证金额不符"},
        headers=ho,
    )
    assert r.status_code == 200, r.text
    assert r.json()["verified_by_name"] == office.display_name

    r = await client.get(f"/api/ledger/items/{item['id']}/repayments", headers=h)
    assert r.status_code == 200, r.text
    rows = {row["id"]: row for row in r.json()}
    assert rows[returned["id"]]["status"] == "rejected"
    assert rows[returned["id"]]["verified_by_name"] == office.display_name
    assert rows[returned["id"]]["verified_at"] is not None
    assert rows[returned["id"]]["rejection_reason"] == "凭证金额不符"
    assert rows[waiting["id"]]["verified_by_name"] is None
