"""Issue 14, sanity of dates: `delivery_date` 0001-01-01 with `due_date` 9999-12-31 was accepted.
Business dates must fall in a window (1990 to 10 years ahead by default, ledger-api settings
LEDGER_BUSINESS_DATE_MIN_YEAR / _MAX_YEARS_AHEAD) and a due date cannot precede delivery or
acceptance; Chinese messages name the field."""

from __future__ import annotations

from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt


async def _item_body(client, actors, **dates) -> dict:
    seed = await make_debt(client, actors.h, actors.world)
    return {
        "debtor_id": seed["debtor_id"],
        "creditor_id": seed["creditor_id"],
        "contract_name": "县城道路维修工程",
        "procurement_type": "works",
        "principal": "1000.00",
        "responsible_unit_id": actors.world.unit_a.id,
        **dates,
    }


async def test_the_quoted_dates_are_refused_naming_each_field(client, actors):
    body = await _item_body(client, actors, delivery_date="0001-01-01", due_date="9999-12-31")
    r = await client.post("/api/ledger/items", json=body, headers=actors.h)
    problem = assert_problem(r, 422)
    assert {e["field"]: e["code"] for e in problem["errors"]} == {
        "delivery_date": "date_out_of_window",
        "due_date": "date_out_of_window",
    }
    assert "1990-01-01" in problem["errors"][0]["message"]


async def test_due_date_before_delivery_or_acceptance(client, actors):
    body = await _item_body(client, actors, delivery_date="2025-03-01", due_date="2025-02-01")
    r = await client.post("/api/ledger/items", json=body, headers=actors.h)
    problem = assert_problem(r, 422, "due_date", "due_before_delivery")
    assert problem["errors"][0]["message"] == "付款期限不能早于交付日期（2025-03-01）"
    body = await _item_body(client, actors, acceptance_date="2025-03-01", due_date="2025-02-01")
    r = await client.post("/api/ledger/items", json=body, headers=actors.h)
    assert_problem(r, 422, "due_date", "due_before_acceptance")


async def test_a_patch_cannot_move_delivery_past_the_due_date(client, actors):
    item = await make_debt(client, actors.h, actors.world, due_date="2025-06-30")
    r = await client.patch(
        f"/api/ledger/items/{item['id']}",
        json={"delivery_date": "2025-07-01"},
        headers={**actors.h, "If-Match": f'W/"{item["version"]}"'},
    )
    assert_problem(r, 422, "due_date", "due_before_delivery")


async def test_dates_inside_the_window_pass(client, actors):
    body = await _item_body(client, actors, delivery_date="1990-01-01", due_date="2030-12-31")
    r = await client.post("/api/ledger/items", json=body, headers=actors.h)
    assert r.status_code == 201, r.text
