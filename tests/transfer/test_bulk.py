"""Issue 11, acceptance 2: the bulk API for scripts. Per-row results with the item API's own
validation; an Idempotency-Key makes a retry (also racing ones) apply nothing twice; the same key
with another body is a 422; an expired key is a new request."""

from __future__ import annotations

import asyncio
import random
import secrets

from sqlalchemy import text

from tests.support.ledger_helpers import uscc
from tests.support.world import bearer, login

URL = "/api/ledger/transfer/bulk/items"
_rng = random.Random()


def item(world, **over) -> dict:
    n = _rng.randint(1, 10**9)
    return {
        "debtor_name": f"{world.county.name}住房和城乡建设局{n}",
        "debtor_uscc": uscc(),
        "debtor_type": "government_agency",
        "creditor_name": f"海澄市政工程有限公司{n}",
        "creditor_uscc": uscc(),
        "creditor_size": "micro",
        "contract_name": f"老旧小区改造{n}",
        "procurement_type": "works",
        "principal": "56000.00",
        "due_date": "2025-03-31",
        "responsible_unit_id": world.unit_a.id,
        **over,
    }


async def office(client, worlds, world) -> dict:
    user = await worlds.user(world, roles=["office_admin"], unit=world.office)
    return bearer((await login(client, user.username, ip=world.client_ip))["access_token"])


async def count(client, h, world) -> int:
    r = await client.get("/api/ledger/items/totals", params={"region": world.county.path}, headers=h)
    return sum(r.json()["by_status"].values())


def key() -> dict:
    return {"Idempotency-Key": secrets.token_hex(16)}


async def test_per_row_results_dry_run_and_validation_as_the_ui(client, worlds, world):
    h = await office(client, worlds, world)
    good = item(world)
    bad = item(world, creditor_uscc="91350100M000100Y4X", principal="0", unknown_field=1)
    body = {"items": [good, bad], "dry_run": True}
    r = await client.post(URL, json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["applied"] is False and out["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1}
    assert out["rows"][0] == {
        "index": 0,
        "action": "created",
        "item_id": None,
        "ledger_no": None,
        "changes": None,
        "errors": None,
    }
    assert {(e["field"], e["code"]) for e in out["rows"][1]["errors"]} == {
        ("unknown_field", "extra_forbidden"),
        ("creditor_uscc", "uscc_check"),
        ("principal", "money_not_positive"),
    }
    # the same rule the item API applies, with the same message
    single = await client.post("/api/ledger/items", json={**good, "principal": "0"}, headers=h)
    assert single.status_code == 422
    assert (
        next(e for e in out["rows"][1]["errors"] if e["field"] == "principal")["message"]
        == next(e for e in single.json()["errors"] if e["field"] == "principal")["message"]
    )
    assert await count(client, h, world) == 0

    r = await client.post(URL, json={"items": [good, bad]}, headers={**h, **key()})
    out = r.json()
    assert out["applied"] is True and out["counts"]["created"] == 1 and out["counts"]["refused"] == 1
    created = out["rows"][0]
    assert created["ledger_no"].startswith(f"{world.county.code}-") and created["item_id"]
    got = (await client.get(f"/api/ledger/items/{created['item_id']}", headers=h)).json()
    assert (got["principal"], got["source"], got["debtor_type"]) == ("56000.00", "bulk", "government_agency")
    history = (await client.get(f"/api/ledger/items/{created['item_id']}/history", headers=h)).json()
    assert [e["action"] for e in history] == ["item.created"]

    # an update by ledger number, and all_or_nothing refusing the whole batch for one bad row
    change = {**good, "ledger_no": created["ledger_no"], "resolution_measures": "列入年度预算"}
    r = await client.post(URL, json={"items": [change, bad], "all_or_nothing": True}, headers={**h, **key()})
    assert r.json()["applied"] is False
    assert (await client.get(f"/api/ledger/items/{created['item_id']}", headers=h)).json()["version"] == 1
    r = await client.post(URL, json={"items": [change]}, headers={**h, **key()})
    row = r.json()["rows"][0]
    assert (row["action"], row["changes"]) == (
        "updated",
        {"resolution_measures": {"before": None, "after": "列入年度预算"}},
    )


async def test_write_without_key_is_refused(client, worlds, world):
    h = await office(client, worlds, world)
    r = await client.post(URL, json={"items": [item(world)]}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_invalid")
    assert await count(client, h, world) == 0


async def test_retry_returns_the_first_answer_and_applies_nothing_twice(client, worlds, world):
    h = await office(client, worlds, world)
    body = {"items": [item(world), item(world)]}
    headers = {**h, **key()}
    first = await client.post(URL, json=body, headers=headers)
    again = await client.post(URL, json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await count(client, h, world) == 2


async def test_concurrent_retries_with_one_key_apply_once(client, worlds, world):
    h = await office(client, worlds, world)
    body = {"items": [item(world) for _ in range(50)]}
    headers = {**h, **key()}
    answers = await asyncio.gather(*(client.post(URL, json=body, headers=headers) for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.text for a in answers}) == 1  # one answer, replayed to every retry
    assert sum(1 for a in answers if a.headers.get("Idempotent-Replayed") == "true") == 5
    assert await count(client, h, world) == 50


async def test_same_key_with_another_body_is_422(client, worlds, world):
    h = await office(client, worlds, world)
    headers = {**h, **key()}
    assert (await client.post(URL, json={"items": [item(world)]}, headers=headers)).status_code == 200
    r = await client.post(URL, json={"items": [item(world)]}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")
    assert await count(client, h, world) == 1


async def test_expired_key_is_a_new_request(client, worlds, world):
    h = await office(client, worlds, world)
    headers = {**h, **key()}
    body = {"items": [item(world)]}
    first = (await client.post(URL, json=body, headers=headers)).json()
    assert first["counts"]["created"] == 1
    async with worlds.sessions() as s:  # 24 hours later
        await s.execute(
            text("UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE key = :k"),
            {"k": headers["Idempotency-Key"]},
        )
        await s.commit()
    r = await client.post(URL, json=body, headers=headers)
    assert "Idempotent-Replayed" not in r.headers
    # applied again, and (the same rows) changes nothing: matched on the credit codes and contract
    assert r.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 1, "refused": 0}
    assert r.json()["rows"][0]["item_id"] == first["rows"][0]["item_id"]
    # a different body under the expired-then-renewed key is now refused again
    other = await client.post(URL, json={"items": [item(world)]}, headers=headers)
    assert other.status_code == 422


async def test_weekly_updates_of_a_unit_in_one_call(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    out = (await client.post(URL, json={"items": [item(world), item(world)]}, headers={**h, **key()})).json()
    numbers = [row["ledger_no"] for row in out["rows"]]
    body = {
        "updates": [
            {
                "ledger_no": numbers[0],
                "progress": "已与债权企业对账",
                "paid_this_week": "0.00",
                "next_step": "安排资金",
            },
            {"ledger_no": numbers[1], "progress": "已支付首期", "paid_this_week": "10000.00", "next_step": "核实回单"},
            {"ledger_no": "000000-2026-999999", "progress": "不存在", "paid_this_week": "0", "next_step": "暂无安排"},
            {"ledger_no": numbers[0], "progress": "同一周再报", "paid_this_week": "0", "next_step": "暂无安排"},
        ]
    }
    r = await client.post("/api/ledger/transfer/bulk/weekly-updates", json=body, headers={**h, **key()})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [row["action"] for row in rows] == ["created", "created", "refused", "refused"]
    assert rows[2]["errors"][0]["message"] == "台账编号不存在或不在您的管辖范围内"
    assert rows[3]["errors"][0]["code"] == "weekly_update_exists"
    updates = (await client.get(f"/api/ledger/items/{out['rows'][1]['item_id']}/weekly-updates", headers=h)).json()
    assert [u["paid_this_week"] for u in updates] == ["10000.00"]
