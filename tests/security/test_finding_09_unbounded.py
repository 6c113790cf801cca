"""Issue 9, finding 9: unbounded answers. GET /weekly/missing loaded every open item and listed
each twice; `page` had no upper bound; item history, units, regions and the arrears chain were
unpaginated. Now the weekly report aggregates in the database and lists each missing item once, at
most MISSING_ITEMS_PER_GROUP per group; pages stop at MAX_PAGE; history, units and regions take a
`limit` with a maximum, and each side of a chain stops at CHAIN_CAP. Every cap is in the contract."""

from __future__ import annotations

import json
from pathlib import Path

from ledger_api.flags import router as flags_router
from ledger_api.weekly import service as weekly_service
from qq_kernel.pagination import MAX_PAGE
from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt, uscc

CONTRACT = json.loads((Path(__file__).resolve().parents[2] / "contracts" / "ledger.openapi.json").read_text())


async def test_weekly_missing_lists_each_item_once_and_caps_each_group(client, actors, monkeypatch):
    monkeypatch.setattr(weekly_service, "MISSING_ITEMS_PER_GROUP", 2)
    items = [await make_debt(client, actors.h, actors.world) for _ in range(3)]
    report = (await client.get("/api/ledger/weekly/missing", headers=actors.h)).json()
    assert report["persons"] == [] and report["items_per_group_cap"] == 2
    [unit] = report["units"]
    assert (unit["open_items"], unit["missing"]) == (3, 3), "counts stay complete"
    assert [m["item_id"] for m in unit["missing_items"]] == sorted(
        (i["id"] for i in items), key=lambda i: next(x["ledger_no"] for x in items if x["id"] == i)
    )[:2]


async def test_page_has_an_upper_bound(client, actors):
    r = await client.get("/api/ledger/items", params={"page": MAX_PAGE + 1}, headers=actors.h)
    assert_problem(r, 422, "query.page")


async def test_history_units_and_regions_take_a_bounded_limit(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    await client.patch(
        f"/api/ledger/items/{item['id']}",
        json={"contract_name": "县城道路维修工程二期"},
        headers={**actors.h, "If-Match": f'W/"{item["version"]}"'},
    )
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=actors.h)).json()
    assert len(history) == 2
    latest = (await client.get(f"/api/ledger/items/{item['id']}/history?limit=1", headers=actors.h)).json()
    assert [e["action"] for e in latest] == [history[-1]["action"]] == ["item.updated"]
    r = await client.get(f"/api/ledger/items/{item['id']}/history?limit=501", headers=actors.h)
    assert_problem(r, 422, "query.limit")
    for path in ("/api/ledger/org/units", "/api/ledger/org/regions"):
        assert len((await client.get(f"{path}?limit=1", headers=actors.ho)).json()) == 1
        assert_problem(await client.get(f"{path}?limit=5001", headers=actors.ho), 422, "query.limit")


async def test_chain_sides_are_capped(client, actors, monkeypatch):
    monkeypatch.setattr(flags_router, "CHAIN_CAP", 1)
    code = uscc()
    name = "示范县城投公司"
    body = {"name": name, "uscc": code, "type": "platform_company", "supervising_unit_id": actors.world.unit_a.id}
    debtor = (await client.post("/api/ledger/debtors", json=body, headers=actors.h)).json()
    body = {"name": name, "uscc": code, "size": "medium"}
    as_creditor = (await client.post("/api/ledger/creditors", json=body, headers=actors.h)).json()
    first = await make_debt(client, actors.h, actors.world, debtor_id=debtor["id"])
    owed = [await make_debt(client, actors.h, actors.world, creditor_id=as_creditor["id"]) for _ in range(2)]
    chain = (await client.get(f"/api/ledger/items/{first['id']}/chain", headers=actors.h)).json()
    assert chain["receivables_truncated"] is True and chain["payables_truncated"] is False
    assert [i["id"] for i in chain["receivables_of_debtor"]] == [min(owed, key=lambda i: i["ledger_no"])["id"]]


def test_caps_are_in_the_contract():
    paths = CONTRACT["paths"]
    for path in ("/api/ledger/org/units", "/api/ledger/org/regions", "/api/ledger/items/{item_id}/history"):
        limit = next(p for p in paths[path]["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == (500 if "history" in path else 5000), path
    chain = CONTRACT["components"]["schemas"]["ChainOut"]["properties"]
    assert {"receivables_truncated", "payables_truncated"} <= set(chain)
    assert CONTRACT["components"]["schemas"]["MissingReport"]["properties"]["items_per_group_cap"]
