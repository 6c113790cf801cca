"""Repayment plans (还款计划): installments summing to the outstanding amount, an agreement file,
replacement that keeps the old plan, extensions recorded one by one, paid state derived from
verified repayments in due-date order."""

from __future__ import annotations

from datetime import timedelta

from tests.support.flag_scenarios import TODAY, active_kinds, actors, day, extend, put_plan, report, upload, verify
from tests.support.ledger_helpers import make_debt, report_with_receipt


async def test_plan_must_add_up_to_outstanding_and_makes_the_item_resolving(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, principal="100000.00")
    r = await put_plan(client, a.h, item["id"], [(day(10), "40000.00"), (day(40), "50000.00")])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "installments"
    assert "90000.00" in r.json()["detail"] and "100000.00" in r.json()["detail"]
    r = await put_plan(client, a.h, item["id"], [(day(10), 100000.5)])
    assert r.status_code == 422, "floats are refused"
    r = await put_plan(client, a.h, item["id"], [(day(10), "-1.00"), (day(40), "100001.00")])
    assert r.status_code == 422
    r = await put_plan(client, a.h, item["id"], [])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "installments"

    receipt = await upload(client, a.h, item["id"], "receipt")
    r = await put_plan(client, a.h, item["id"], [(day(10), "100000.00")], agreement_evidence_id=receipt["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "agreement_evidence_id", (
        "a receipt is no agreement"
    )
    other = await make_debt(client, a.h, world)
    foreign = await upload(client, a.h, other["id"], "agreement")
    r = await put_plan(client, a.h, item["id"], [(day(10), "100000.00")], agreement_evidence_id=foreign["id"])
    assert r.status_code == 422, "the agreement must be this item's"
    assert (await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)).json()["code"] == "no_plan"

    agreement = await upload(client, a.h, item["id"], "agreement")
    r = await put_plan(
        client,
        a.h,
        item["id"],
        [(day(40), "60000.00"), (day(10), "40000.00")],
        agreement_evidence_id=agreement["id"],
        note="分两期支付",
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert (
        plan["status"] == "active" and plan["total"] == "100000.00" and plan["agreement_evidence_id"] == agreement["id"]
    )
    assert [(i["seq"], i["due_date"], i["amount"], i["state"]) for i in plan["installments"]] == [
        (1, day(10), "40000.00", "unpaid"),
        (2, day(40), "60000.00", "unpaid"),
    ]
    assert plan["paid"] == "0.00" and plan["remaining"] == "100000.00" and plan["matches_outstanding"] is True
    detail = (await client.get(f"/api/ledger/items/{item['id']}", headers=a.h)).json()
    assert detail["status"] == "resolving", "an agreed plan makes an open item 化解中"
    got = await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)
    assert got.status_code == 200 and got.json()["id"] == plan["id"]
    assert got.headers["etag"] == f'W/"{detail["version"]}"' == r.headers["etag"], "the plan's ETag is the item's"
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=a.h)).json()
    created = [e for e in history if e["action"] == "plan.created"]
    assert len(created) == 1 and created[0]["after"]["item_status"] == "resolving"
    assert [i["amount"] for i in created[0]["after"]["installments"]] == ["40000.00", "60000.00"]


async def test_replacing_a_plan_needs_if_match_and_keeps_the_old_one(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, principal="50000.00")
    first = await put_plan(client, a.h, item["id"], [(day(30), "50000.00")])
    assert first.status_code == 201
    etag = first.headers["etag"]
    r = await put_plan(client, a.h, item["id"], [(day(20), "20000.00"), (day(25), "30000.00")])
    assert r.status_code == 428, "replacing needs the version the user looked at"
    r = await put_plan(client, a.h, item["id"], [(day(20), "50000.00")], if_match='W/"1"')
    assert r.status_code == 412
    r = await put_plan(client, a.h, item["id"], [(day(20), "20000.00"), (day(25), "30000.00")], if_match=etag)
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["replaces_id"] == first.json()["id"]
    r = await put_plan(client, a.h, item["id"], [(day(20), "50000.00")], if_match=etag)
    assert r.status_code == 412, "the replacement moved the item's version"
    plans = (await client.get(f"/api/ledger/items/{item['id']}/plans", headers=a.h)).json()
    assert [(p["id"], p["status"]) for p in plans] == [(second["id"], "active"), (first.json()["id"], "superseded")]
    assert plans[1]["superseded_at"] is not None and plans[1]["superseded_by"] == a.operator_id
    actions = [e["action"] for e in (await client.get(f"/api/ledger/items/{item['id']}/history", headers=a.h)).json()]
    assert actions.count("plan.created") == 1 and actions.count("plan.replaced") == 1
    replaced = next(
        e
        for e in (await client.get(f"/api/ledger/items/{item['id']}/history", headers=a.h)).json()
        if e["action"] == "plan.replaced"
    )
    assert replaced["before"]["plan_id"] == first.json()["id"] and replaced["after"]["plan_id"] == second["id"]
    # Ending earlier is no postponement: not counted toward plan_extended_repeatedly.
    assert await active_kinds(client, a.h, item["id"]) == set()


async def test_paid_state_follows_verified_repayments_in_due_date_order(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, principal="100000.00")
    # A repayment verified before the plan is already out of the outstanding amount.
    before = await report_with_receipt(client, a.h, item["id"], "10000.00")
    await verify(client, a.ho, item["id"], before["id"])
    r = await put_plan(client, a.h, item["id"], [(day(30), "30000.00"), (day(10), "20000.00"), (day(60), "40000.00")])
    assert r.status_code == 201, r.text
    assert [i["paid_amount"] for i in r.json()["installments"]] == ["0.00", "0.00", "0.00"]

    claimed = await report_with_receipt(client, a.h, item["id"], "25000.00")
    plan = (await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)).json()
    assert plan["paid"] == "0.00", "reported repayments do not count until verified"
    await verify(client, a.ho, item["id"], claimed["id"])
    plan = (await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)).json()
    assert [(i["due_date"], i["paid_amount"], i["unpaid_amount"], i["state"]) for i in plan["installments"]] == [
        (day(10), "20000.00", "0.00", "paid"),
        (day(30), "5000.00", "25000.00", "unpaid"),
        (day(60), "0.00", "40000.00", "unpaid"),
    ]
    assert plan["paid"] == "25000.00" and plan["remaining"] == "65000.00" and plan["matches_outstanding"] is True

    # A reversal takes the money back out of the installments.
    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments/{claimed['id']}/reverse", json={"reason": "重复录入"}, headers=a.ho
    )
    assert r.status_code == 201
    plan = (await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)).json()
    assert [i["state"] for i in plan["installments"]] == ["unpaid", "unpaid", "unpaid"] and plan["paid"] == "0.00"

    # An adjustment changes what is owed but pays nothing: the plan no longer matches and says so.
    r = await client.post(
        f"/api/ledger/items/{item['id']}/adjustments", json={"amount": "-1000.00", "reason": "结算核减"}, headers=a.ho
    )
    assert r.status_code == 201
    plan = (await client.get(f"/api/ledger/items/{item['id']}/plan", headers=a.h)).json()
    assert plan["matches_outstanding"] is False


async def test_extensions_are_recorded_and_two_raise_the_flag(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, principal="60000.00")
    plan = (await put_plan(client, a.h, item["id"], [(day(5), "20000.00"), (day(35), "40000.00")])).json()
    first, second = (i["id"] for i in plan["installments"])
    r = await extend(client, a.h, item["id"], first, day(5))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "new_due_date", (
        "an extension moves the date later"
    )
    r = await extend(client, a.h, item["id"], first, day(15), reason="短")
    assert r.status_code == 422, "a reason is required"
    r = await extend(client, a.h, item["id"], "00000000-0000-0000-0000-000000000000", day(15))
    assert r.status_code == 404
    r = await extend(client, a.h, item["id"], first, day(15))
    assert r.status_code == 200, r.text
    moved = r.json()["installments"][0]
    assert moved["due_date"] == day(15) and moved["original_due_date"] == day(5)
    assert [(e["old_due_date"], e["new_due_date"], e["extended_by"]) for e in moved["extensions"]] == [
        (day(5), day(15), a.operator_id)
    ]
    assert await active_kinds(client, a.h, item["id"]) == set(), "one extension is not yet a pattern"
    r = await extend(client, a.h, item["id"], second, day(50), reason="债务人申请再延期")
    assert r.status_code == 200 and r.json()["extensions_count"] == 2
    assert await active_kinds(client, a.h, item["id"]) == {"plan_extended_repeatedly"}
    flag = (await client.get(f"/api/ledger/items/{item['id']}/flags", headers=a.h)).json()[0]
    assert [e["new_due_date"] for e in flag["evidence"]["extensions"]] == [day(15), day(50)]
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=a.h)).json()
    extended = [e for e in history if e["action"] == "plan.installment_extended"]
    assert [(e["before"]["due_date"], e["after"]["due_date"], e["detail"]) for e in extended] == [
        (day(5), day(15), "财政资金未到位"),
        (day(35), day(50), "债务人申请再延期"),
    ]

    # A paid installment cannot be extended.
    paid = await report_with_receipt(client, a.h, item["id"], "20000.00")
    await verify(client, a.ho, item["id"], paid["id"])
    r = await extend(client, a.h, item["id"], first, day(25))
    assert r.status_code == 409 and r.json()["code"] == "installment_paid"


async def test_replacing_a_plan_to_end_later_counts_as_a_postponement(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world, principal="30000.00")
    r = await put_plan(client, a.h, item["id"], [(day(10), "30000.00")])
    r = await put_plan(client, a.h, item["id"], [(day(40), "30000.00")], if_match=r.headers["etag"])
    assert r.status_code == 200
    assert await active_kinds(client, a.h, item["id"]) == set()
    r = await put_plan(client, a.h, item["id"], [(day(70), "30000.00")], if_match=r.headers["etag"])
    assert r.status_code == 200
    assert await active_kinds(client, a.h, item["id"]) == {"plan_extended_repeatedly"}
    flag = (await client.get(f"/api/ledger/items/{item['id']}/flags", headers=a.h)).json()[0]
    assert [(p["old_last_due_date"], p["new_last_due_date"]) for p in flag["evidence"]["postponing_replacements"]] == [
        (day(10), day(40)),
        (day(40), day(70)),
    ]


async def test_plan_rules_on_closed_items_and_scope(client, worlds, world):
    a = await actors(client, worlds, world)
    stranger = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    from tests.support.world import bearer, login

    hs = bearer((await login(client, stranger.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, a.h, world, principal="100.00")
    assert (await put_plan(client, hs, item["id"], [(day(5), "100.00")])).status_code == 404
    auditor = await worlds.user(world, roles=["auditor"], unit=world.office)
    ha = bearer((await login(client, auditor.username, ip=world.client_ip))["access_token"])
    assert (await put_plan(client, ha, item["id"], [(day(5), "100.00")])).status_code == 403
    # Paid off and verified: nothing left to plan.
    paid = await report_with_receipt(client, a.h, item["id"], "100.00")
    await verify(client, a.ho, item["id"], paid["id"])
    r = await put_plan(client, a.h, item["id"], [(day(5), "100.00")])
    assert r.status_code == 409 and r.json()["code"] == "nothing_outstanding"
    pending = await make_debt(client, a.h, world, principal="100.00")
    await report(client, a.h, pending["id"], "40.00")
    r = await put_plan(client, a.h, pending["id"], [(day(5), "100.00")])
    assert r.status_code == 201, "a reported, unverified repayment leaves the outstanding amount as it is"
    assert (TODAY + timedelta(days=5)).isoformat() == r.json()["installments"][0]["due_date"]
