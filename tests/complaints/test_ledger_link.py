"""Issue 10 acceptance 4: ledger-api is down while complaints are accepted; the complaints are
accepted all the same, the link is retried, and when ledger-api is back each complaint is linked
exactly once (matched items, or one off-ledger candidate), also with two complaint-api replicas
relaying at the same time, and also when a relay dies after ledger-api answered.

Also: a complaint about an item under a repayment agreement raises that item's
complained_under_agreement flag; the item lists its complaints."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from qq_kernel.db import create_engine
from tests.complaints.helpers import intake_body, platform_id, uscc
from tests.complaints.replicas import FAR_FUTURE, Replicas
from tests.support.flag_scenarios import put_plan
from tests.support.ledger_helpers import make_debt_and_parties
from tests.support.world import bearer, login

INTAKE = "/api/complaints/intake"


async def _ledger_count(platform_db, sql: str, **params) -> int:
    engine = create_engine(platform_db.databases["ledger"].runtime_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql), params)
    finally:
        await engine.dispose()


async def _complaint_about(client, cty, *, debtor: dict | None, creditor: dict | None, contract: str) -> dict:
    overrides = {"contract": {"name": contract, "number": None}}
    if debtor is not None:
        overrides["respondent"] = {"name": debtor["name"], "uscc": debtor["uscc"], "kind": debtor["type"]}
    else:
        overrides["respondent"] = {"name": "台账外某国有公司", "uscc": uscc("91"), "kind": "soe"}
    if creditor is not None:
        overrides["complainant"] = {"name": creditor["name"], "uscc": creditor["uscc"]}
    r = await client.post(INTAKE, json=intake_body(platform_id(), **overrides), headers=cty.platform)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
async def ledger_side(client, cty, worlds):
    """Two debts of the county: a plain one, and one under a repayment plan."""
    operator = await worlds.user(cty.world, roles=["unit_operator"], unit=cty.world.unit_a)
    h = bearer((await login(client, operator.username, ip=cty.world.client_ip))["access_token"])
    plain = await make_debt_and_parties(client, h, cty.world, contract_name="县道养护服务合同")
    planned = await make_debt_and_parties(client, h, cty.world, contract_name="学校食堂改造工程")
    r = await put_plan(client, h, planned[0]["id"], [("2035-06-30", planned[0]["outstanding"])])
    assert r.status_code == 201, r.text
    return {"plain": plain, "planned": planned, "h": h}


async def test_complaints_accepted_while_ledger_is_down_are_linked_once_when_it_is_back(
    client, gateway, platform_db, cty, ledger_side
):
    plain_item, plain_debtor, plain_creditor = ledger_side["plain"]
    planned_item, planned_debtor, planned_creditor = ledger_side["planned"]
    complaints = {
        "plain": await _complaint_about(
            client, cty, debtor=plain_debtor, creditor=plain_creditor, contract="县道养护服务合同"
        ),
        "planned": await _complaint_about(
            client, cty, debtor=planned_debtor, creditor=planned_creditor, contract="学校食堂改造工程"
        ),
        "off_ledger_1": await _complaint_about(client, cty, debtor=None, creditor=None, contract="某某采购合同"),
        "off_ledger_2": await _complaint_about(client, cty, debtor=None, creditor=None, contract="另一采购合同"),
    }
    async with Replicas(platform_db, gateway, n=2) as replicas:
        clients = [replicas.client(0), replicas.client(1)]
        # Each replica has read ledger-api's keys and the calendar once (its caches), like any
        # running replica before the outage.
        for c in clients:
            r = await c.get(f"/api/complaints/complaints/{complaints['plain']['id']}", headers=cty.office)
            assert r.status_code == 200, r.text

        replicas.network.ledger_down = True
        for n, complaint in enumerate(complaints.values()):
            r = await clients[n % 2].post(
                f"/api/complaints/complaints/{complaint['id']}/accept", json={}, headers=cty.office
            )
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "accepted"
        # Both relays try (and fail) while ledger-api is down; the link waits and says why.
        for stats in await asyncio.gather(*(relay.run_once(due_by=FAR_FUTURE) for relay in replicas.relays)):
            # (the relays also deliver notify-api's events of the earlier steps: not ledger-api)
            assert stats.by_destination.get("ledger_link", 0) == 0
        assert replicas.network.refused >= 4
        r = await clients[0].get(
            f"/api/complaints/complaints/{complaints['plain']['id']}/ledger-link", headers=cty.office
        )
        assert r.status_code == 200, r.text
        pending = r.json()
        assert pending["state"] == "pending"
        assert pending["attempts"] >= 1
        assert "unreachable" in pending["last_error"]
        ids = [c["id"] for c in complaints.values()]
        assert (
            await _ledger_count(
                platform_db, "SELECT count(*) FROM ledger.complaint_match WHERE complaint_id = ANY(:ids)", ids=ids
            )
            == 0
        )

        # ledger-api is back: both replicas relay at once, twice over.
        replicas.network.ledger_down = False
        for _ in range(2):
            await asyncio.gather(*(relay.drain(due_by=FAR_FUTURE) for relay in replicas.relays))

        links = {}
        for name, complaint in complaints.items():
            r = await clients[0].get(f"/api/complaints/complaints/{complaint['id']}/ledger-link", headers=cty.office)
            assert r.status_code == 200, r.text
            links[name] = r.json()
    assert {n: (link["state"], link["outcome"]) for n, link in links.items()} == {
        "plain": ("linked", "matched"),
        "planned": ("linked", "matched"),
        "off_ledger_1": ("linked", "candidate"),
        "off_ledger_2": ("linked", "candidate"),
    }
    assert [i["item_id"] for i in links["plain"]["items"]] == [plain_item["id"]]
    assert [i["under_agreement"] for i in links["plain"]["items"]] == [False]
    assert [i["item_id"] for i in links["planned"]["items"]] == [planned_item["id"]]
    assert [i["under_agreement"] for i in links["planned"]["items"]] == [True]
    assert links["plain"]["matched_by"] == "credit_codes_and_contract"

    # Exactly once on the ledger side: one match per complaint, one link per matched item, one
    # candidate per off-ledger complaint.
    assert (
        await _ledger_count(
            platform_db, "SELECT count(*) FROM ledger.complaint_match WHERE complaint_id = ANY(:ids)", ids=ids
        )
        == 4
    )
    assert (
        await _ledger_count(
            platform_db, "SELECT count(*) FROM ledger.complaint_item_link WHERE complaint_id = ANY(:ids)", ids=ids
        )
        == 2
    )
    for name in ("off_ledger_1", "off_ledger_2"):
        assert (
            await _ledger_count(
                platform_db,
                "SELECT count(*) FROM ledger.candidate_item WHERE source = 'complaint' AND source_ref = :ref",
                ref=complaints[name]["id"],
            )
            == 1
        )
        r = await client.get("/api/ledger/candidates", params={"page_size": 100}, headers=cty.office)
        mine = [c for c in r.json()["items"] if c["source_ref"] == complaints[name]["id"]]
        assert [c["id"] for c in mine] == [links[name]["candidate_id"]]

    # The complaint on the item, and on the complaint's timeline once.
    r = await client.get(f"/api/ledger/items/{plain_item['id']}/complaints", headers=ledger_side["h"])
    assert r.status_code == 200, r.text
    assert [(c["complaint_id"], c["complaint_no"]) for c in r.json()] == [
        (complaints["plain"]["id"], complaints["plain"]["complaint_no"])
    ]
    for complaint in complaints.values():
        r = await client.get(f"/api/complaints/complaints/{complaint['id']}/events", headers=cty.office)
        assert [e["kind"] for e in r.json()].count("ledger_linked") == 1

    # The item under an agreement carries the flag; the plain one does not.
    r = await client.get(f"/api/ledger/items/{planned_item['id']}/flags", headers=ledger_side["h"])
    flags = [f for f in r.json() if f["cleared_at"] is None]
    assert [f["kind"] for f in flags] == ["complained_under_agreement"]
    assert [c["complaint_id"] for c in flags[0]["evidence"]["complaints"]] == [complaints["planned"]["id"]]
    r = await client.get(f"/api/ledger/items/{plain_item['id']}/flags", headers=ledger_side["h"])
    assert [f["kind"] for f in r.json() if f["cleared_at"] is None] == []


async def test_a_relay_killed_after_ledger_answered_does_not_link_twice(client, gateway, platform_db, cty, ledger_side):
    _, debtor, creditor = ledger_side["plain"]
    complaint = await _complaint_about(client, cty, debtor=debtor, creditor=creditor, contract="县道养护服务合同")
    r = await client.post(f"/api/complaints/complaints/{complaint['id']}/accept", json={}, headers=cty.office)
    assert r.status_code == 200, r.text
    async with Replicas(platform_db, gateway, n=2) as replicas:
        dying, survivor = replicas.relays
        real = dying.destinations["ledger_link"]

        async def killed(session, event, result):
            raise asyncio.CancelledError  # the process dies between ledger-api's answer and its commit

        from dataclasses import replace

        dying.destinations["ledger_link"] = replace(real, on_delivered=killed)
        with pytest.raises(asyncio.CancelledError):
            await dying.run_once(destinations=["ledger_link"], due_by=FAR_FUTURE)
        # ledger-api did its part once already ...
        assert (
            await _ledger_count(
                platform_db, "SELECT count(*) FROM ledger.complaint_match WHERE complaint_id = :id", id=complaint["id"]
            )
            == 1
        )
        # ... the survivor redelivers, ledger-api answers with the first outcome (idempotent).
        stats = await survivor.drain(destinations=["ledger_link"], due_by=FAR_FUTURE)
        assert stats.delivered >= 1
        r = await replicas.client(1).get(
            f"/api/complaints/complaints/{complaint['id']}/ledger-link", headers=cty.office
        )
    assert r.json()["state"] == "linked"
    assert (
        await _ledger_count(
            platform_db, "SELECT count(*) FROM ledger.complaint_match WHERE complaint_id = :id", id=complaint["id"]
        )
        == 1
    )
    assert (
        await _ledger_count(
            platform_db, "SELECT count(*) FROM ledger.complaint_item_link WHERE complaint_id = :id", id=complaint["id"]
        )
        == 1
    )


async def test_a_handling_unit_does_not_see_other_units_debts_through_the_link(
    client, gateway, platform_db, cty, ledger_side
):
    """Security review: the match is made with complaint-api's service identity across the region,
    so the matched items (unit_a's debts) are shown to readers of the region only, not to the
    handling unit (unit_b) the complaint is assigned to."""
    _, debtor, creditor = ledger_side["plain"]
    complaint = await _complaint_about(client, cty, debtor=debtor, creditor=creditor, contract="县道养护服务合同")
    base = f"/api/complaints/complaints/{complaint['id']}"
    assert (await client.post(f"{base}/accept", json={}, headers=cty.office)).status_code == 200
    async with Replicas(platform_db, gateway, n=1) as replicas:
        await replicas.relays[0].drain(destinations=["ledger_link"], due_by=FAR_FUTURE)
    r = await client.post(f"{base}/assign", json={"unit_id": cty.world.unit_b.id}, headers=cty.office)
    assert r.status_code == 200, r.text
    as_office = (await client.get(f"{base}/ledger-link", headers=cty.office)).json()
    assert [i["item_id"] for i in as_office["items"]] == [ledger_side["plain"][0]["id"]]
    assert as_office["items_withheld"] is False
    r = await client.get(f"{base}/ledger-link", headers=cty.other_unit)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["items"], r.json()["items_withheld"]) == ("linked", [], True)
