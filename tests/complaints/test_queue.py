"""The workbench queues: scope (a unit sees what is assigned to it, the office its region),
keyset pages that neither skip nor repeat, the overdue filter; files of a complaint."""

from __future__ import annotations

from datetime import date

from tests.complaints.helpers import staff_body

BASE = "/api/complaints/complaints"


async def _assigned(client, cty, unit_id: str) -> dict:
    r = await client.post(BASE, json=staff_body(), headers=cty.office)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await client.post(f"{BASE}/{cid}/accept", json={}, headers=cty.office)).status_code == 200
    r = await client.post(f"{BASE}/{cid}/assign", json={"unit_id": unit_id}, headers=cty.office)
    assert r.status_code == 200, r.text
    return r.json()


async def test_unit_queue_scope_and_keyset_pages(client, cty, clock):
    mine = []
    for day in (date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3)):
        clock.set(day)
        mine += [await _assigned(client, cty, cty.world.unit_a.id) for _ in range(2)]
    theirs = await _assigned(client, cty, cty.world.unit_b.id)

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(BASE, params=params, headers=cty.unit)).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen))
    assert {c["id"] for c in mine} <= set(seen)
    assert theirs["id"] not in seen
    dues = [(await client.get(f"{BASE}/{i}", headers=cty.office)).json()["deadlines"] for i in seen]
    due_dates = [next(d["due"] for d in dl if d["running"]) for dl in dues]
    assert due_dates == sorted(due_dates)
    # The office sees both units'.
    office = (await client.get(BASE, params={"limit": 100, "unit_id": cty.world.unit_b.id}, headers=cty.office)).json()
    assert theirs["id"] in {row["id"] for row in office["items"]}
    # The other unit cannot open mine.
    r = await client.get(f"{BASE}/{mine[0]['id']}", headers=cty.other_unit)
    assert r.status_code == 404, r.text


async def test_overdue_filter(client, cty, clock):
    clock.set(date(2026, 9, 2))
    late = await _assigned(client, cty, cty.world.unit_a.id)  # result due 2026-10-08
    clock.set(date(2026, 10, 9))
    fresh = await _assigned(client, cty, cty.world.unit_a.id)
    rows = (await client.get(BASE, params={"overdue": "true", "limit": 100}, headers=cty.unit)).json()["items"]
    ids = {r["id"] for r in rows}
    assert late["id"] in ids
    assert fresh["id"] not in ids
    assert all(r["overdue"] for r in rows)


async def test_bad_cursor_is_a_field_error(client, cty):
    r = await client.get(BASE, params={"cursor": "not-a-cursor"}, headers=cty.office)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]


async def test_reply_with_an_attachment_and_refused_files(client, cty):
    c = await _assigned(client, cty, cty.world.unit_a.id)
    cid = c["id"]
    assert (await client.post(f"{BASE}/{cid}/start", json={}, headers=cty.unit)).status_code == 200
    bad = await client.post(
        f"{BASE}/{cid}/files",
        files={"file": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
        data={"purpose": "reply"},
        headers=cty.unit,
    )
    assert bad.status_code == 415, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["file"]
    ok = await client.post(
        f"{BASE}/{cid}/files",
        files={"file": ("处理结果.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"purpose": "reply"},
        headers=cty.unit,
    )
    assert ok.status_code == 201, ok.text
    file_id = ok.json()["id"]
    r = await client.post(
        f"{BASE}/{cid}/reply", json={"result": "款项已于本周全部支付。", "attachment_ids": ["nope"]}, headers=cty.unit
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["attachment_ids"]
    r = await client.post(
        f"{BASE}/{cid}/reply", json={"result": "款项已于本周全部支付。", "attachment_ids": [file_id]}, headers=cty.unit
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "replied"
    download = await client.get(f"{BASE}/{cid}/files/{file_id}", headers=cty.office)
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4\n%%EOF\n"
    events = (await client.get(f"{BASE}/{cid}/events", headers=cty.office)).json()
    assert [e["kind"] for e in events][-2:] == ["file_uploaded", "reply"]


async def test_assign_to_a_unit_outside_the_region_is_refused(client, worlds, cty):
    other = await worlds.create()
    r = await client.post(BASE, json=staff_body(), headers=cty.office)
    cid = r.json()["id"]
    await client.post(f"{BASE}/{cid}/accept", json={}, headers=cty.office)
    r = await client.post(f"{BASE}/{cid}/assign", json={"unit_id": other.unit_a.id}, headers=cty.office)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["unit_id"]
    assert (await client.get(f"{BASE}/{cid}", headers=cty.office)).json()["status"] == "accepted"
