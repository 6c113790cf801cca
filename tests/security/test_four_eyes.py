"""Finding 3 (issue 9): four eyes on money — the person who reported a repayment neither
verifies it nor writes off the item it clears."""

from __future__ import annotations

from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login


async def test_reporter_cannot_verify_or_write_off(client, worlds, world):
    """Finding 3: an office_admin holds ledger:write and ledger:verify; reporting, then verifying
    its own repayment is 403 own_repayment, and so is writing off the item it cleared."""
    office_a = await worlds.user(world, roles=["office_admin"], unit=world.office)
    office_b = await worlds.user(world, roles=["office_admin"], unit=world.office)
    ha = bearer((await login(client, office_a.username, ip=world.client_ip))["access_token"])
    hb = bearer((await login(client, office_b.username, ip=world.client_ip))["access_token"])

    item = await make_debt(client, ha, world, principal="8000.00")
    repayment = await report_with_receipt(client, ha, item["id"], "8000.00")

    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{repayment['id']}/verify", headers=ha)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "own_repayment" and "本人" in r.json()["detail"]
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=ha)).json()
    assert detail["verified_repaid"] == "0.00", "the refused verification wrote nothing"

    r = await client.post(f"/api/ledger/items/{item['id']}/repayments/{repayment['id']}/verify", headers=hb)
    assert r.status_code == 200 and r.json()["status"] == "verified"

    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=ha)).json()
    assert detail["status"] == "claimed_cleared"
    if_match = {"If-Match": f'W/"{detail["version"]}"'}
    r = await client.post(f"/api/ledger/items/{item['id']}/write-off", headers={**ha, **if_match})
    assert r.status_code == 403 and r.json()["code"] == "own_repayment"
    r = await client.post(f"/api/ledger/items/{item['id']}/write-off", headers={**hb, **if_match})
    assert r.status_code == 200 and r.json()["status"] == "written_off"
