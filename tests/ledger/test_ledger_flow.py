"""Issue 4 acceptance 1: the whole life of a debt through the gateway, totals reconciled at every step."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.support.ledger_helpers import PDF, make_debt, money, report_with_receipt
from tests.support.world import bearer, login


async def _assert_totals_reconcile(client, h) -> dict:
    totals = (await client.get("/api/ledger/items/totals", headers=h)).json()
    items, page = [], 1
    while True:
        r = (await client.get("/api/ledger/items", params={"page": page, "page_size": 200}, headers=h)).json()
        items += r["items"]
        if len(items) >= r["total"]:
            break
        page += 1
    live = [i for i in items if i["status"] != "void"]
    assert totals["items"] == len(live)
    for field in ("principal", "verified_repaid", "adjustments_total", "outstanding"):
        assert money(totals[field]) == sum((money(i[field]) for i in live), Decimal("0.00")), field
    for i in items:
        assert money(i["outstanding"]) == money(i["principal"]) - money(i["verified_repaid"]) + money(
            i["adjustments_total"]
        )
        assert money(i["outstanding"]) >= 0
    return totals


async def test_debt_life_create_plan_repay_verify_write_off(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])

    item = await make_debt(
        client,
        h,
        world,
        principal="150000.00",
        funding_lines=[{"source": "budget", "amount": "150000.00", "expected_arrival_date": "2026-12-31"}],
    )
    assert re.fullmatch(rf"{world.county.code}-\d{{4}}-\d{{6}}", item["ledger_no"])
    assert item["principal"] == "150000.00" and item["outstanding"] == "150000.00" and item["status"] == "open"
    assert isinstance(item["principal"], str), "money travels as strings"
    await _assert_totals_reconcile(client, ho)

    # Write-off before any repayment: refused, and says why.
    r = await client.post(
        f"/api/ledger/items/{item['id']}/write-off", headers={**ho, "If-Match": f'W/"{item["version"]}"'}
    )
    assert r.status_code == 409 and r.json()["code"] == "write_off_refused"
    assert "150000.00" in r.json()["detail"]

    first = await report_with_receipt(client, h, item["id"], "100000.00")
    second = await report_with_receipt(client, h, item["id"], "50000.00")
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=h)).json()
    assert detail["status"] == "resolving" and detail["outstanding"] == "150000.00", "reported is not yet paid"
    await _assert_totals_reconcile(client, ho)

    # The unit cannot verify its own claims.
    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{first['id']}/verify", headers=h)
    assert r.status_code == 403
    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{first['id']}/verify", headers=ho)
    assert r.status_code == 200 and r.json()["status"] == "verified"
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=h)).json()
    assert detail["outstanding"] == "50000.00" and detail["verified_repaid"] == "100000.00"
    await _assert_totals_reconcile(client, ho)

    # Still one verification short: write-off refused with a clear problem.
    r = await client.post(
        f"/api/ledger/items/{item['id']}/write-off", headers={**ho, "If-Match": f'W/"{detail["version"]}"'}
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert "待核实" in r.json()["detail"] and r.json()["title"] == "不能销账"

    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{second['id']}/verify", headers=ho)
    assert r.status_code == 200
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=ho)).json()
    assert detail["outstanding"] == "0.00" and detail["status"] == "claimed_cleared"
    await _assert_totals_reconcile(client, ho)

    r = await client.post(f"/api/ledger/items/{item['id']}/write-off", headers=ho)
    assert r.status_code == 428, "write-off needs the version the office looked at"
    r = await client.post(f"/api/ledger/items/{item['id']}/write-off", headers={**ho, "If-Match": 'W/"1"'})
    assert r.status_code == 412
    r = await client.post(
        f"/api/ledger/items/{item['id']}/write-off", headers={**ho, "If-Match": f'W/"{detail["version"]}"'}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "written_off" and r.json()["outstanding"] == "0.00"
    totals = await _assert_totals_reconcile(client, ho)
    assert totals["by_status"].get("written_off") == 1

    # Closed: nothing more can be reported.
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments",
        json={"paid_on": "2026-11-02", "amount": "1.00", "method": "bank_transfer"},
        headers=h,
    )
    assert r.status_code == 409
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=h)).json()
    actions = [e["action"] for e in history]
    assert actions[0] == "item.created" and actions[-1] == "item.written_off"
    assert actions.count("repayment.verified") == 2 and actions.count("evidence.uploaded") == 2


async def test_verification_needs_evidence(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments",
        json={"paid_on": "2026-11-01", "amount": "100.00", "method": "bank_transfer"},
        headers=h,
    )
    rep = r.json()
    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{rep['id']}/verify", headers=ho)
    assert r.status_code == 409 and r.json()["code"] == "evidence_missing"


async def test_bad_input_names_the_field(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    r = await client.post(
        "/api/ledger/debtors",
        json={"name": "某局", "uscc": "91440101MA59XXXX1X", "type": "soe", "supervising_unit_id": world.unit_a.id},
        headers=h,
    )
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "uscc" and ("校验" in err["message"] or "字符" in err["message"])
    item = await make_debt(client, h, world, principal="100.00")
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments",
        json={"paid_on": "2026-11-01", "amount": 50.5, "method": "bank_transfer"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount", "floats are refused"
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments",
        json={"paid_on": "2026-11-01", "amount": "150.00", "method": "bank_transfer"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    r = await client.post(
        f"/api/ledger/items/{item['id']}/evidence",
        headers=h,
        files={"file": ("回单.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert r.status_code == 415 and r.json()["errors"][0]["field"] == "file"


async def test_evidence_download_is_scoped_and_logged(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    stranger = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    hs = bearer((await login(client, stranger.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world)
    rep = await report_with_receipt(client, h, item["id"], "10.00")
    evidence = (await client.get(f"/api/ledger/items/{item['id']}/evidence", headers=h)).json()
    assert evidence[0]["repayment_id"] == rep["id"] and len(evidence[0]["sha256"]) == 64
    url = f"/api/ledger/items/{item['id']}/evidence/{evidence[0]['id']}/content"
    r = await client.get(url, headers=h)
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert (await client.get(url, headers=hs)).status_code == 404
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=h)).json()
    assert any(e["action"] == "evidence.downloaded" for e in history)


async def test_creditor_contact_masked_unless_revealed_and_logged(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    leader = await worlds.user(world, roles=["unit_leader"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    hl = bearer((await login(client, leader.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world)
    listed = (await client.get("/api/ledger/creditors", params={"q": item["creditor_name"]}, headers=h)).json()[
        "items"
    ][0]
    assert listed["contact_phone"] == "138****5678" and listed["contact_masked"] is True
    assert (await client.get(f"/api/ledger/creditors/{item['creditor_id']}?reveal=true", headers=h)).status_code == 403
    full = (await client.get(f"/api/ledger/creditors/{item['creditor_id']}?reveal=true", headers=hl)).json()
    assert full["contact_phone"] == "13812345678"


async def test_reversal_reopens_a_cleared_item(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    verifier = await worlds.user(world, roles=["office_admin"], unit=world.office)
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    hv = bearer((await login(client, verifier.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, ho, world, principal="100.00", unit=world.office)
    rep = await report_with_receipt(client, ho, item["id"], "100.00")
    # Four eyes (issue 9 finding 3): another office member verifies.
    await client.post(f"/api/ledger/items/{item['id']}/repayments/{rep['id']}/verify", headers=hv)
    assert (await client.get(f"/api/ledger/items/{item['id']}", headers=ho)).json()["status"] == "claimed_cleared"
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments/{rep['id']}/reverse", json={"reason": "回单金额有误"}, headers=ho
    )
    assert r.status_code == 201
    after = (await client.get(f"/api/ledger/items/{item['id']}", headers=ho)).json()
    assert after["status"] == "resolving" and after["outstanding"] == "100.00"


async def test_a_zero_agreed_rate_is_refused(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    r = await client.post("/api/ledger/items", json={"agreed_daily_rate": "0"}, headers=h)
    assert r.status_code == 422 and "agreed_daily_rate" in [e["field"] for e in r.json()["errors"]]


async def test_list_count_stops_at_the_cap(client, worlds, world, monkeypatch):
    from qq_kernel import pagination

    operator = await worlds.user(world, roles=["unit_operator"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    for _ in range(3):
        await make_debt(client, h, world, principal="10.00")
    page = (await client.get("/api/ledger/items", headers=h)).json()
    assert (page["total"], page["total_exact"]) == (3, True)
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    page = (await client.get("/api/ledger/items", params={"page_size": 1}, headers=h)).json()
    assert (page["total"], page["total_exact"], len(page["items"])) == (2, False, 1)


async def test_search_by_the_tail_of_a_ledger_number(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world)
    for q in (item["ledger_no"], item["ledger_no"][-6:]):
        found = (await client.get("/api/ledger/items", params={"q": q}, headers=h)).json()["items"]
        assert [i["id"] for i in found] == [item["id"]], q
