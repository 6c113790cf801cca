"""Events from ledger operations reach the inbox of the right people, once, in their scope."""

from __future__ import annotations

from sqlalchemy import text

from tests.notify.helpers import app_of, deliver_all
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import bearer, login


async def _headers(client, user) -> dict:
    return bearer((await login(client, user.username))["access_token"])


async def test_repayment_reported_reaches_the_office_and_verified_reaches_the_unit(client, gateway, worlds):
    world = await worlds.create()
    other = await worlds.create()
    operator = await worlds.user(world, roles=["unit_operator"])
    responsible = await worlds.user(world, roles=["unit_operator"])
    leader = await worlds.user(world, roles=["unit_leader"])
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    other_office = await worlds.user(other, roles=["office_admin"], unit=other.office)
    other_unit = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    h_op, h_office = await _headers(client, operator), await _headers(client, office)

    item = await make_debt(client, h_op, world, responsible_person_id=responsible.id)
    repayment = await report_with_receipt(client, h_op, item["id"], "1000.00")
    await deliver_all(gateway)

    # 还款报送 → the office's verification queue, nobody else (not the other county's office).
    inboxes = {}
    for who in (operator, responsible, leader, office, other_office, other_unit):
        r = await client.get("/api/notify/inbox", headers=await _headers(client, who))
        assert r.status_code == 200, r.text
        inboxes[who.username] = [(n["kind"], n["item_id"]) for n in r.json()["items"]]
    assert inboxes[office.username] == [("repayment.reported", item["id"])]
    assert inboxes[operator.username] == []
    assert inboxes[responsible.username] == []
    assert inboxes[leader.username] == []
    assert inboxes[other_office.username] == []
    assert inboxes[other_unit.username] == []

    r = await client.post(
        f"/api/ledger/items/{item['id']}/repayments/{repayment['id']}/verify", json={}, headers=h_office
    )
    assert r.status_code == 200, r.text
    await deliver_all(gateway)
    r = await client.get("/api/notify/inbox", headers=await _headers(client, responsible))
    page = r.json()
    assert [(n["kind"], n["link"]) for n in page["items"]] == [("repayment.verified", f"/ledger/items/{item['id']}")]
    assert "已核实" in page["items"][0]["title"] and item["ledger_no"] in page["items"][0]["title"]

    # The bell, mark read, mark all read.
    h_resp = await _headers(client, responsible)
    assert (await client.get("/api/notify/inbox/unread-count", headers=h_resp)).json() == {"unread": 1}
    note_id = page["items"][0]["id"]
    r = await client.post(f"/api/notify/inbox/{note_id}/read", headers=h_resp)
    assert r.status_code == 200 and r.json()["read"] is True
    assert (await client.get("/api/notify/inbox/unread-count", headers=h_resp)).json() == {"unread": 0}
    # Someone else's notification is not found.
    r = await client.post(f"/api/notify/inbox/{note_id}/read", headers=h_office)
    assert r.status_code == 404
    r = await client.post("/api/notify/inbox/read-all", headers=h_office)
    assert r.json() == {"marked": 1}
    assert (await client.get("/api/notify/inbox/unread-count", headers=h_office)).json() == {"unread": 0}


async def test_a_redelivered_batch_is_stored_once(client, gateway, worlds, platform_db):
    world = await worlds.create()
    operator = await worlds.user(world, roles=["unit_operator"])
    await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = await _headers(client, operator)
    item = await make_debt(client, h, world)
    await report_with_receipt(client, h, item["id"], "500.00")
    ledger = app_of(gateway, "/api/ledger")
    async with ledger.state.session_factory() as s:
        event_ids = list(
            await s.scalars(
                text("SELECT event_id FROM outbox WHERE payload->>'item_id' = :i ORDER BY id"), {"i": item["id"]}
            )
        )
    assert len(event_ids) == 1
    await deliver_all(gateway)
    # The relay's answer was lost: the same events come again, even twice at once.
    async with ledger.state.session_factory() as s:
        await s.execute(text("UPDATE outbox SET delivered_at = NULL WHERE event_id = ANY(:ids)"), {"ids": event_ids})
        await s.commit()
    await deliver_all(gateway)
    notify = app_of(gateway, "/api/notify")
    async with notify.state.session_factory() as s:
        stored = await s.scalar(text("SELECT count(*) FROM event WHERE event_id = ANY(:ids)"), {"ids": event_ids})
        notes = await s.scalar(text("SELECT count(*) FROM notification WHERE event_id = ANY(:ids)"), {"ids": event_ids})
    assert stored == 1
    assert notes == 1


async def test_a_candidate_proposed_for_a_region_reaches_its_office_only(client, gateway, worlds):
    from tests.support.world import service_headers

    world = await worlds.create()
    other = await worlds.create()
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    operator = await worlds.user(world, roles=["unit_operator"])
    other_office = await worlds.user(other, roles=["office_admin"], unit=other.office)
    r = await client.post(
        "/api/ledger/candidates",
        json={
            "source_ref": f"TS-notify-{world.tag}",
            "region_path": world.county.path,
            "debtor_name": "某某局",
            "creditor_name": "某某公司",
            "amount": "1000.00",
        },
        headers=await service_headers(client, worlds),
    )
    assert r.status_code == 201, r.text
    await deliver_all(gateway)
    kinds = {}
    for who in (office, operator, other_office):
        r = await client.get("/api/notify/inbox", headers=await _headers(client, who))
        kinds[who.username] = [(n["kind"], n["link"]) for n in r.json()["items"]]
    assert kinds[office.username] == [("candidate.proposed", "/ledger/candidates")]
    assert kinds[operator.username] == []
    assert kinds[other_office.username] == []


async def test_complaint_assigned_and_urged_reach_the_handling_unit(client, gateway, worlds):
    from tests.complaints.helpers import staff_body
    from tests.notify.helpers import deliver_complaints

    world = await worlds.create()
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    staff = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    head = await worlds.user(world, roles=["unit_leader"], unit=world.unit_a)
    elsewhere = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    ho = await _headers(client, office)
    base = "/api/complaints/complaints"
    r = await client.post(base, json=staff_body(), headers=ho)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    for path, body in (("accept", {}), ("assign", {"unit_id": world.unit_a.id}), ("urge", {"note": "请尽快办理"})):
        r = await client.post(f"{base}/{cid}/{path}", json=body, headers=ho)
        assert r.status_code == 200, (path, r.text)
    await deliver_complaints(gateway)
    for who, expected in (
        (staff, [("complaint.urged", f"/complaints?id={cid}"), ("complaint.assigned", f"/complaints?id={cid}")]),
        (head, [("complaint.urged", f"/complaints?id={cid}"), ("complaint.assigned", f"/complaints?id={cid}")]),
        (elsewhere, []),
        (office, []),
    ):
        r = await client.get("/api/notify/inbox", headers=await _headers(client, who))
        assert [(n["kind"], n["link"]) for n in r.json()["items"]] == expected, who.username
