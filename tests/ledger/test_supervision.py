"""Supervision, off-ledger candidates and overdue interest (issue 4)."""

from __future__ import annotations

import io
from decimal import Decimal

from docx import Document

from tests.support.ledger_helpers import make_debt, report_with_receipt, uscc
from tests.support.world import bearer, login


async def _office_and_operator(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    operator = await worlds.user(world, roles=["unit_operator"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    return office, ho, h


async def test_key_case_interview_and_notice(client, worlds, world):
    office, ho, h = await _office_and_operator(client, worlds, world)
    item = await make_debt(client, h, world)
    url = f"/api/ledger/items/{item['id']}"
    body = {"supervisor_id": office.id, "deadline": "2030-01-31", "reason": "化解进度缓慢"}
    assert (await client.post(f"{url}/key-case", json=body, headers=h)).status_code == 403, "only the office marks"
    r = await client.post(f"{url}/key-case", json=body, headers=ho)
    assert r.status_code == 201
    case = r.json()
    assert (await client.post(f"{url}/key-case", json=body, headers=ho)).status_code == 409
    # A past deadline is refused as such (422 on the field), before the item's existing key case.
    bad = await client.post(f"{url}/key-case", json={**body, "deadline": "2001-01-01"}, headers=ho)
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["deadline"]
    listed = (await client.get("/api/ledger/key-cases", headers=h)).json()
    assert [c["item_id"] for c in listed["items"]] == [item["id"]], "the unit sees its own key cases"

    r = await client.post(
        f"{url}/interviews",
        json={
            "held_on": "2026-11-20",
            "interviewers": "专班办公室 林晓岚",
            "interviewees": "县财政局 分管副局长",
            "outcome": "承诺12月底前支付50%",
        },
        headers=ho,
    )
    assert r.status_code == 201
    r = await client.post(
        f"{url}/notices",
        json={"requirements": "一、限期制定还款计划\n二、按周报送进度", "reply_deadline": "2030-02-01"},
        headers=ho,
    )
    assert r.status_code == 201
    notice = r.json()
    assert notice["notice_no"].startswith(world.county.name) and notice["notice_no"].endswith("1号")
    second = (
        await client.post(
            f"{url}/notices", json={"requirements": "再次督办", "reply_deadline": "2030-02-01"}, headers=ho
        )
    ).json()
    assert second["notice_no"].endswith("2号")
    doc = await client.get(f"{url}/notices/{notice['id']}/document", headers=h)
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "督 办 通 知 书" in text and item["ledger_no"] in text and "限期制定还款计划" in text
    r = await client.post(
        f"{url}/key-cases/{case['id']}/close",
        json={"note": "已制定还款计划"},
        headers={**ho, "If-Match": f'W/"{case["version"]}"'},
    )
    assert r.status_code == 200 and r.json()["closed_at"]
    actions = [e["action"] for e in (await client.get(f"{url}/history", headers=h)).json()]
    for action in ("key_case.marked", "interview.recorded", "notice.issued", "notice.downloaded", "key_case.closed"):
        assert action in actions


async def test_candidate_from_complaint_confirmed_into_the_ledger(client, worlds, world, platform_db):
    _, ho, _ = await _office_and_operator(client, worlds, world)
    r = await client.post(
        "/api/ledger/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "complaint-api",
            "client_secret": platform_db.client_secret("complaint-api"),
        },
    )
    hs = bearer(r.json()["access_token"])
    body = {
        "source_ref": f"TS-{world.tag}-1",
        "region_path": world.county.path,
        "debtor_name": "某县城市建设投资有限公司",
        "creditor_name": "某某建材有限公司",
        "amount": "86000.00",
        "contract_name": "道路维修材料采购",
    }
    r = await client.post("/api/ledger/candidates", json=body, headers=hs)
    assert r.status_code == 201
    candidate = r.json()
    again = await client.post("/api/ledger/candidates", json=body, headers=hs)
    assert again.status_code == 200 and again.json()["id"] == candidate["id"], "idempotent by complaint id"
    assert (await client.post("/api/ledger/candidates", json=body, headers=ho)).status_code == 403
    pending = (await client.get("/api/ledger/candidates", headers=ho)).json()
    assert [c["id"] for c in pending["items"]] == [candidate["id"]]
    r = await client.post(
        f"/api/ledger/candidates/{candidate['id']}/confirm",
        json={
            "debtor_uscc": "",
            "debtor_type": "soe",
            "creditor_uscc": None,
            "creditor_size": "small",
            "procurement_type": "goods",
            "responsible_unit_id": world.unit_a.id,
            "contract_name": "合同",
        },
        headers={**ho, "If-Match": f'W/"{candidate["version"]}"'},
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"debtor_uscc", "creditor_uscc"}
    confirm = {
        "debtor_uscc": uscc(),
        "debtor_type": "platform_company",
        "creditor_uscc": uscc(),
        "creditor_size": "small",
        "procurement_type": "goods",
        "responsible_unit_id": world.unit_a.id,
        "contract_name": "道路维修材料采购合同",
    }
    r = await client.post(
        f"/api/ledger/candidates/{candidate['id']}/confirm",
        json=confirm,
        headers={**ho, "If-Match": f'W/"{candidate["version"]}"'},
    )
    assert r.status_code == 200, r.text
    item_id = r.json()["item_id"]
    item = (await client.get(f"/api/ledger/items/{item_id}", headers=ho)).json()
    assert item["source"] == "complaint" and item["principal"] == "86000.00"
    r = await client.post(
        f"/api/ledger/candidates/{candidate['id']}/reject", json={"reason": "重复"}, headers={**ho, "If-Match": 'W/"2"'}
    )
    assert r.status_code == 409


async def test_overdue_interest_follows_repayments(client, worlds, world):
    _, ho, h = await _office_and_operator(client, worlds, world)
    item = await make_debt(client, h, world, principal="100000.00", due_date="2026-01-31")
    url = f"/api/ledger/items/{item['id']}"
    r = (await client.get(f"{url}/interest", params={"as_of": "2026-03-31"}, headers=h)).json()
    # 1 Feb .. 31 Mar 2026 = 59 days × 100,000 × 0.05%.
    assert r["days"] == 59 and Decimal(r["amount"]) == Decimal("2950.00")
    assert "万分之五" in r["rule"] and r["due_date_basis"] == "合同约定的付款期限"
    rep = await report_with_receipt(client, h, item["id"], "50000.00")
    r = await client.post(f"{url}/repayments/{rep['id']}/verify", headers=ho)
    assert r.status_code == 200
    # Paid 1 Nov: interest on 100,000 to 1 Nov, then on 50,000 — the repayment lowers it from 2 Nov.
    r = (await client.get(f"{url}/interest", params={"as_of": "2026-11-10"}, headers=h)).json()
    assert [s["outstanding"] for s in r["segments"]] == ["100000.00", "50000.00"]
    assert (
        Decimal(r["amount"]) == Decimal("100000") * Decimal("0.0005") * 274 + Decimal("50000") * Decimal("0.0005") * 9
    )


async def test_interest_without_due_date_uses_the_regulation(client, worlds, world):
    _, _, h = await _office_and_operator(client, worlds, world)
    item = await make_debt(client, h, world, principal="10000.00", due_date=None, delivery_date="2026-01-01")
    r = (await client.get(f"/api/ledger/items/{item['id']}/interest", params={"as_of": "2026-02-10"}, headers=h)).json()
    assert r["due_date"] == "2026-01-31" and "30 日" in r["due_date_basis"] and r["days"] == 10
    item = await make_debt(client, h, world, principal="10000.00", due_date=None)
    r = (await client.get(f"/api/ledger/items/{item['id']}/interest", headers=h)).json()
    assert r["amount"] is None and "无法计算" in r["rule"]


async def test_court_sees_only_litigation_and_records_its_case(client, worlds, world):
    _, ho, h = await _office_and_operator(client, worlds, world)
    court = await worlds.user(world, roles=["court"], unit=world.office)
    hc = bearer((await login(client, court.username, ip=world.client_ip))["access_token"])
    plain = await make_debt(client, h, world)
    lawsuit = await make_debt(client, h, world, disputed=True, dispute_route="litigation")
    mediation = await make_debt(client, h, world, disputed=True, dispute_route="mediation")
    listed = (await client.get("/api/ledger/items", headers=hc)).json()
    assert [i["id"] for i in listed["items"]] == [lawsuit["id"]]
    for other in (plain, mediation):
        assert (await client.get(f"/api/ledger/items/{other['id']}", headers=hc)).status_code == 404
    assert (await client.get("/api/ledger/debtors", headers=hc)).status_code == 403
    r = await client.post(
        f"/api/ledger/items/{lawsuit['id']}/court-record",
        json={"court_case_no": "（2026）示0121执123号", "stage": "enforcement"},
        headers=hc,
    )
    assert r.status_code == 200 and r.json()["court_stage"] == "enforcement"
    assert (
        await client.post(
            f"/api/ledger/items/{lawsuit['id']}/court-record",
            json={"court_case_no": "（2026）示0121执123号", "stage": "trial"},
            headers=h,
        )
    ).status_code == 403
    history = (await client.get(f"/api/ledger/items/{lawsuit['id']}/history", headers=ho)).json()
    assert history[-1]["action"] == "item.court_recorded"
