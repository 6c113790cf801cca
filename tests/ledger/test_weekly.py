"""Weekly updates (按周更新): one per open item per ISO week by the responsible unit, the missing
view per unit and per person, and the no_update_weeks list filter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from ledger_api.weekly.rules import week_label, week_start
from tests.support.flag_scenarios import TODAY, active_kinds, actors, evaluate_county
from tests.support.ledger_helpers import make_debt
from tests.support.world import bearer, login

UPDATE = {"progress": "已与债务人约谈，财政资金下周到位", "paid_this_week": "0.00", "next_step": "督促按计划支付"}


async def test_one_update_per_week_by_the_responsible_unit(client, worlds, world):
    a = await actors(client, worlds, world)
    b_operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    hb = bearer((await login(client, b_operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, a.h, world)
    url = f"/api/ledger/items/{item['id']}/weekly-updates"

    r = await client.post(url, json={**UPDATE, "paid_this_week": "-1.00"}, headers=a.h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "paid_this_week"
    r = await client.post(url, json={**UPDATE, "paid_this_week": 10.5}, headers=a.h)
    assert r.status_code == 422, "money never travels as a float"
    r = await client.post(url, json=UPDATE, headers=a.ho)
    assert r.status_code == 403 and r.json()["code"] == "not_responsible", "the office does not report for a unit"
    assert (await client.post(url, json=UPDATE, headers=hb)).status_code == 404, "another unit cannot see the item"

    r = await client.post(url, json={**UPDATE, "paid_this_week": "1200.50"}, headers=a.h)
    assert r.status_code == 201, r.text
    update = r.json()
    assert update["week"] == week_label(TODAY) and update["week_start"] == week_start(TODAY).isoformat()
    assert update["paid_this_week"] == "1200.50" and update["unit_id"] == world.unit_a.id
    r = await client.post(url, json=UPDATE, headers=a.hl)
    assert r.status_code == 409 and r.json()["code"] == "weekly_update_exists" and update["id"] in r.json()["detail"]

    patch = f"{url}/{update['id']}"
    assert (await client.patch(patch, json={"next_step": "约谈债务人"}, headers=a.h)).status_code == 428
    r = await client.patch(patch, json={"next_step": "约谈债务人"}, headers={**a.h, "If-Match": 'W/"99"'})
    assert r.status_code == 412
    r = await client.patch(patch, json={"next_step": "约谈债务人"}, headers={**a.hl, "If-Match": r.headers["etag"]})
    assert r.status_code == 200 and r.json()["next_step"] == "约谈债务人" and r.json()["progress"] == UPDATE["progress"]

    listed = (await client.get(url, headers=a.ho)).json()
    assert [u["id"] for u in listed] == [update["id"]]
    history = (await client.get(f"/api/ledger/items/{item['id']}/history", headers=a.h)).json()
    edited = next(e for e in history if e["action"] == "weekly_update.edited")
    assert edited["before"]["next_step"] == UPDATE["next_step"] and edited["after"]["next_step"] == "约谈债务人"
    assert "progress" not in edited["after"]

    # The item's responsible person reports for it.
    person = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    hp = bearer((await login(client, person.username, ip=world.client_ip))["access_token"])
    assigned = await make_debt(client, a.h, world, responsible_person_id=person.id)
    r = await client.post(f"/api/ledger/items/{assigned['id']}/weekly-updates", json=UPDATE, headers=hp)
    assert r.status_code == 201 and r.json()["author_id"] == person.id


async def test_closed_items_need_no_update(client, worlds, world):
    a = await actors(client, worlds, world)
    item = await make_debt(client, a.h, world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/void", json={"reason": "重复录入的明细"},
        headers={**a.h, "If-Match": f'W/"{item["version"]}"'},
    )
    assert r.status_code == 200
    r = await client.post(f"/api/ledger/items/{item['id']}/weekly-updates", json=UPDATE, headers=a.h)
    assert r.status_code == 409 and r.json()["code"] == "item_not_open"


async def test_missing_updates_per_unit_and_per_person(client, worlds, world):
    a = await actors(client, worlds, world)
    person = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    b_person = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    hb = bearer((await login(client, b_person.username, ip=world.client_ip))["access_token"])
    done = await make_debt(client, a.h, world, responsible_person_id=person.id)
    late = await make_debt(client, a.h, world, responsible_person_id=person.id)
    nobody = await make_debt(client, a.h, world)
    theirs = await make_debt(client, hb, world, unit=world.unit_b, responsible_person_id=b_person.id)
    r = await client.post(f"/api/ledger/items/{done['id']}/weekly-updates", json=UPDATE, headers=a.h)
    assert r.status_code == 201

    report = (await client.get("/api/ledger/weekly/missing", headers=a.ho)).json()
    assert report["week"] == week_label(TODAY)
    assert (report["open_items"], report["updated"], report["missing"]) == (4, 1, 3)
    units = {u["unit_id"]: u for u in report["units"]}
    assert set(units) == {world.unit_a.id, world.unit_b.id}
    ua = units[world.unit_a.id]
    assert (ua["unit_name"], ua["open_items"], ua["updated"], ua["missing"]) == (world.unit_a.name, 3, 1, 2)
    assert {m["item_id"] for m in ua["missing_items"]} == {late["id"], nobody["id"]}
    assert [m["item_id"] for m in units[world.unit_b.id]["missing_items"]] == [theirs["id"]]
    assert report["persons"] == [], "one grouping per answer: each missing item listed once"
    by_person = (await client.get("/api/ledger/weekly/missing", params={"group_by": "person"}, headers=a.ho)).json()
    assert by_person["units"] == [] and by_person["missing"] == 3
    persons = {(p["unit_id"], p["person_id"]): p for p in by_person["persons"]}
    assert set(persons) == {(world.unit_a.id, person.id), (world.unit_a.id, None), (world.unit_b.id, b_person.id)}
    p = persons[(world.unit_a.id, person.id)]
    assert (p["person_name"], p["open_items"], p["updated"], p["missing"]) == (person.display_name, 2, 1, 1)
    assert [m["item_id"] for m in p["missing_items"]] == [late["id"]]
    assert persons[(world.unit_a.id, None)]["missing"] == 1

    # Scoped to the caller: a unit sees its own unit only.
    mine = (await client.get("/api/ledger/weekly/missing", params={"week": week_label(TODAY)}, headers=a.h)).json()
    assert [u["unit_id"] for u in mine["units"]] == [world.unit_a.id] and mine["missing"] == 2
    # Last week these items did not exist yet.
    last = (
        await client.get(
            "/api/ledger/weekly/missing", params={"week": week_label(TODAY - timedelta(days=7))}, headers=a.ho
        )
    ).json()
    assert last["open_items"] == 0 and last["units"] == []
    for bad in ("2026-48", "2026-W54", "2026-W00"):
        r = await client.get("/api/ledger/weekly/missing", params={"week": bad}, headers=a.ho)
        assert r.status_code == 422, bad
    r = await client.get(
        "/api/ledger/weekly/missing", params={"week": week_label(TODAY + timedelta(days=7))}, headers=a.ho
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "week"


async def test_no_update_weeks_filter_and_flag_count_complete_weeks(client, worlds, world):
    a = await actors(client, worlds, world)
    old = await make_debt(client, a.h, world)
    fresh = await make_debt(client, a.h, world)
    # The item joined the ledger five weeks ago (written straight into the table, as if it had).
    async with worlds.sessions() as s:
        await s.execute(
            text("UPDATE arrears_item SET created_at = created_at - interval '35 days' WHERE id = :id"),
            {"id": old["id"]},
        )
        await s.commit()

    async def listed(weeks: int) -> set[str]:
        r = await client.get("/api/ledger/items", params={"no_update_weeks": weeks, "page_size": 200}, headers=a.ho)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert await listed(4) == {old["id"]} and await listed(5) == set(), "4 complete weeks since its entry week"
    assert (await client.get("/api/ledger/items", params={"no_update_weeks": 0}, headers=a.ho)).status_code == 422
    await evaluate_county(worlds, world, TODAY)
    assert await active_kinds(client, a.h, old["id"]) == {"no_weekly_update"}
    assert await active_kinds(client, a.h, fresh["id"]) == set()
    flag = (await client.get(f"/api/ledger/items/{old['id']}/flags", headers=a.h)).json()[0]
    assert flag["evidence"]["weeks_without_update"] == 4 and flag["evidence"]["last_update_week"] is None
    r = await client.get("/api/ledger/items", params={"flag": "no_weekly_update"}, headers=a.ho)
    assert [i["id"] for i in r.json()["items"]] == [old["id"]]

    # An update this week clears the flag at once and takes the item out of the filter.
    r = await client.post(f"/api/ledger/items/{old['id']}/weekly-updates", json=UPDATE, headers=a.h)
    assert r.status_code == 201
    assert await active_kinds(client, a.h, old["id"]) == set()
    assert await listed(1) == set()
    # Two complete weeks later it is stale again; one week later it is not yet.
    await evaluate_county(worlds, world, TODAY + timedelta(days=14))
    assert await active_kinds(client, a.h, old["id"]) == set()
    await evaluate_county(worlds, world, TODAY + timedelta(days=21))
    assert await active_kinds(client, a.h, old["id"]) == {"no_weekly_update"}
