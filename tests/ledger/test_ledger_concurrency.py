"""Issue 4 acceptance 3: fifty concurrent requests on one item leave it consistent."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.support.ledger_helpers import PDF, make_debt, money
from tests.support.world import bearer, login


async def test_fifty_concurrent_repayments_and_verifications(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world, principal="1000.00", unit=world.office)
    url = f"/api/ledger/items/{item['id']}"

    async def report() -> int:
        r = await client.post(
            f"{url}/repayments", json={"paid_on": "2026-11-01", "amount": "30.00", "method": "bank_transfer"}, headers=h
        )
        if r.status_code == 201:
            e = await client.post(
                f"{url}/evidence",
                headers=h,
                files={"file": ("回单.pdf", PDF, "application/pdf")},
                data={"purpose": "receipt", "repayment_id": r.json()["id"]},
            )
            assert e.status_code == 201
        return r.status_code

    codes = await asyncio.gather(*(report() for _ in range(50)))
    # Claims may never exceed what is owed: 33 × 30.00 = 990.00 ≤ 1000.00 < 34 × 30.00.
    assert codes.count(201) == 33 and codes.count(422) == 17, codes

    repayments = (await client.get(f"{url}/repayments", headers=h)).json()
    # Four eyes: a second office member verifies what the first reported.
    checker = await worlds.user(world, roles=["office_admin"], unit=world.office)
    hv = bearer((await login(client, checker.username, ip=world.client_ip))["access_token"])
    # Every repayment verified twice at once, plus adjustments racing them: each verification counts once.
    tasks = [client.post(f"{url}/repayments/{r['id']}/verify", headers=hv) for r in repayments for _ in range(2)]
    tasks += [
        client.post(f"{url}/adjustments", json={"amount": "-5.00", "reason": "结算审减"}, headers=h) for _ in range(4)
    ]
    results = await asyncio.gather(*tasks)
    verify_codes = [r.status_code for r in results[: len(repayments) * 2]]
    adjust_codes = [r.status_code for r in results[len(repayments) * 2 :]]
    for i in range(len(repayments)):  # the same repayment verified twice at once: counted once
        assert sorted(verify_codes[2 * i : 2 * i + 2]) in ([200, 409], [409, 409])
    assert set(adjust_codes) <= {201, 409}

    final = (await client.get(url, headers=h)).json()
    repayments = (await client.get(f"{url}/repayments", headers=h)).json()
    verified = [r for r in repayments if r["status"] == "verified"]
    assert len(verified) == verify_codes.count(200)
    verified_sum = sum((money(r["amount"]) for r in verified), Decimal("0.00"))
    adjustments = Decimal("-5.00") * adjust_codes.count(201)
    assert money(final["verified_repaid"]) == verified_sum
    assert money(final["adjustments_total"]) == adjustments
    assert money(final["outstanding"]) == Decimal("1000.00") - verified_sum + adjustments >= 0
    # Whatever the interleaving, the office got as far as the money allowed: at most one step short.
    assert money(final["outstanding"]) < Decimal("30.00")
    assert len(verified) >= 31 and adjust_codes.count(201) >= 1


async def test_two_clerks_editing_one_item_do_not_lose_an_update(client, worlds, world):
    operator = await worlds.user(world, roles=["unit_operator"])
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world)
    url = f"/api/ledger/items/{item['id']}"
    etag = (await client.get(url, headers=h)).headers["etag"]
    a = client.patch(url, json={"resolution_measures": "列入年度预算分期偿还"}, headers={**h, "If-Match": etag})
    b = client.patch(url, json={"planned_clearance_date": "2026-12-31"}, headers={**h, "If-Match": etag})
    ra, rb = await asyncio.gather(a, b)
    assert sorted([ra.status_code, rb.status_code]) == [200, 412]
    loser = ra if ra.status_code == 412 else rb
    assert loser.json()["code"] == "precondition_failed" and loser.headers["etag"]
