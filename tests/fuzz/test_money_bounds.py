"""Issue 14, cause 4: sums of valid amounts overflowed (500 "numeric field overflow"). One debt,
repayment, adjustment or funding line is at most 999,999,999,999.99 元 (qq_kernel.money.
MAX_SINGLE_AMOUNT), an adjustment that would take an item's totals past it is refused naming
`amount`, and sums and computed figures (totals, interest) are answered as TotalMoney."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from qq_kernel.clock import china_today
from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt


async def test_the_quoted_adjustment_is_refused_naming_amount(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/adjustments",
        json={"amount": "9355998417848548.00", "reason": "核增应付金额"},
        headers=actors.ho,
    )
    assert_problem(r, 422, "amount", "money_too_large")


async def test_adjustments_that_add_up_past_the_cap_are_refused(client, actors):
    item = await make_debt(client, actors.h, actors.world, principal="900000000000.00")
    url = f"/api/ledger/items/{item['id']}/adjustments"
    body = {"amount": "99999999999.99", "reason": "核增应付金额"}
    assert (await client.post(url, json=body, headers=actors.ho)).status_code == 201
    r = await client.post(url, json={**body, "amount": "0.01"}, headers=actors.ho)
    assert_problem(r, 422, "amount", "money_too_large")
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=actors.h)).json()
    assert detail["outstanding"] == "999999999999.99", "the refused adjustment wrote nothing"


async def test_a_principal_over_the_cap_is_refused(client, actors):
    r = await client.post(
        "/api/ledger/items",
        json={
            "debtor_id": "x",
            "creditor_id": "y",
            "contract_name": "县城道路维修工程",
            "procurement_type": "works",
            "principal": "1000000000000.00",
            "responsible_unit_id": actors.world.unit_a.id,
        },
        headers=actors.h,
    )
    assert_problem(r, 422, "principal", "money_too_large")


async def test_totals_of_a_region_past_sixteen_digits(client, actors, platform_db):
    """Rows entered before the cap (16 integer digits each) still sum without an overflow."""
    items = [await make_debt(client, actors.h, actors.world) for _ in range(2)]
    owner = platform_db.databases["ledger"].owner_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(owner)
    try:
        await conn.execute(
            "UPDATE ledger.arrears_item SET principal = 9999999999999999.99, outstanding = 9999999999999999.99"
            " WHERE id = ANY($1::text[])",
            [i["id"] for i in items],
        )
    finally:
        await conn.close()
    r = await client.get("/api/ledger/items/totals", headers=actors.h)  # the operator sees these two
    assert r.status_code == 200, r.text
    assert r.json()["principal"] == "19999999999999999.98"


async def test_interest_far_in_the_future_is_refused_naming_as_of(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.get(f"/api/ledger/items/{item['id']}/interest", params={"as_of": "6674-06-20"}, headers=actors.h)
    assert_problem(r, 422, "query.as_of", "date_out_of_window")


async def test_interest_at_the_edge_of_the_window_fits_its_type(client, actors):
    item = await make_debt(client, actors.h, actors.world, principal="999999999999.99", due_date="1990-01-01")
    edge = (china_today() + timedelta(days=3650)).isoformat()
    r = await client.get(f"/api/ledger/items/{item['id']}/interest", params={"as_of": edge}, headers=actors.h)
    assert r.status_code == 200, r.text
    assert r.json()["amount"] is not None
