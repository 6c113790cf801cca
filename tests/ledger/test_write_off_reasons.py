"""A refused write-off (销账) lists every reason, machine-readable: one test per reason code."""

from __future__ import annotations

from decimal import Decimal

from ledger_api.ledger.models import ArrearsItem, Repayment
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login


async def _people(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    return h, ho


async def _write_off(client, ho, item_id: str):
    item = (await client.get(f"/api/ledger/items/{item_id}", headers=ho)).json()
    return await client.post(
        f"/api/ledger/items/{item_id}/write-off", headers={**ho, "If-Match": f'W/"{item["version"]}"'}
    )


def _refusal(r) -> list[dict]:
    assert r.status_code == 409, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "write_off_refused" and body["title"] == "不能销账" and body["detail"]
    return body["reasons"]


async def test_outstanding_not_zero_and_repayment_unverified(client, worlds, world):
    h, ho = await _people(client, worlds, world)
    item = await make_debt(client, h, world, principal="1234.00")
    reasons = _refusal(await _write_off(client, ho, item["id"]))
    assert reasons == [
        {"code": "outstanding_not_zero", "detail": "尚欠 ¥1,234.00，未清偿金额须为零", "amount": "1234.00"}
    ]

    first = await report_with_receipt(client, h, item["id"], "1000.00")
    second = await report_with_receipt(client, h, item["id"], "234.00")
    r = await _write_off(client, ho, item["id"])
    reasons = _refusal(r)
    assert [x["code"] for x in reasons] == ["outstanding_not_zero", "repayment_unverified", "repayment_unverified"]
    assert [x.get("repayment_id") for x in reasons[1:]] == [first["id"], second["id"]]
    assert [x["amount"] for x in reasons] == ["1234.00", "1000.00", "234.00"]
    assert reasons[1]["detail"] == "2026-11-01 的还款 ¥1,000.00 尚待核实"
    # The one-line detail reads as before.
    assert r.json()["detail"] == "未清偿金额为 1234.00 元，须为零；尚有 2 笔还款待核实"

    await client.post(f"/api/ledger/items/{item['id']}/repayments/{first['id']}/verify", headers=ho)
    reasons = _refusal(await _write_off(client, ho, item["id"]))
    assert [(x["code"], x.get("repayment_id"), x["amount"]) for x in reasons] == [
        ("outstanding_not_zero", None, "234.00"),
        ("repayment_unverified", second["id"], "234.00"),
    ]


async def test_repayment_without_evidence(client, worlds, world):
    """Verification needs a proof, so a verified repayment without one comes only from data
    entered outside the API (an import, an old system): written here straight into the table."""
    h, ho = await _people(client, worlds, world)
    item = await make_debt(client, h, world, principal="500.00")
    async with worlds.sessions() as s:
        row = await s.get(ArrearsItem, item["id"])
        legacy = Repayment(
            item_id=row.id,
            paid_on=row.created_at.date(),
            amount=Decimal("500.00"),
            method="bank_transfer",
            status="verified",
            reported_by="legacy-import",
        )
        s.add(legacy)
        row.verified_repaid, row.outstanding, row.status = Decimal("500.00"), Decimal("0.00"), "claimed_cleared"
        await s.commit()
        legacy_id = legacy.id
    r = await _write_off(client, ho, item["id"])
    reasons = _refusal(r)
    assert reasons == [
        {
            "code": "repayment_without_evidence",
            "detail": f"{row.created_at.date().isoformat()} 的已核实还款 ¥500.00 缺少佐证材料",
            "repayment_id": legacy_id,
            "amount": "500.00",
        }
    ]
    assert r.json()["detail"] == "有 1 笔已核实还款缺少佐证材料"


async def test_item_void_and_item_written_off(client, worlds, world):
    h, ho = await _people(client, worlds, world)
    void = await make_debt(client, h, world, principal="10.00")
    r = await client.post(
        f"/api/ledger/items/{void['id']}/void",
        json={"reason": "重复录入的明细"},
        headers={**h, "If-Match": f'W/"{void["version"]}"'},
    )
    assert r.status_code == 200, r.text
    reasons = _refusal(await _write_off(client, ho, void["id"]))
    assert [x["code"] for x in reasons] == ["item_void", "outstanding_not_zero"]
    assert reasons[0]["detail"] == "明细已作废，不能销账"

    paid = await make_debt(client, h, world, principal="10.00")
    rep = await report_with_receipt(client, h, paid["id"], "10.00")
    await client.post(f"/api/ledger/items/{paid['id']}/repayments/{rep['id']}/verify", headers=ho)
    assert (await _write_off(client, ho, paid["id"])).status_code == 200
    reasons = _refusal(await _write_off(client, ho, paid["id"]))
    assert reasons == [{"code": "item_written_off", "detail": "明细已销账"}]
