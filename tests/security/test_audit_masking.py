"""LOW item of issue 9: auditors see personal data inside audit before/after values masked, as
the lists mask it, unless they hold ``personal_data:read``. On the code before the fix the
auditor read ``13812345678`` and ``张三丰`` in full."""

from __future__ import annotations

import json
import secrets

import asyncpg

from tests.support.world import bearer, login


async def test_audit_values_mask_contacts_unless_the_reader_may_see_personal_data(client, platform_db, worlds, world):
    object_id = f"creditor-{secrets.token_hex(4)}"
    before = {"name": "某建筑公司", "contact_person": "张三丰", "contact_phone": "13812345678", "amount": "10.00"}
    after = {**before, "contact_phone": "0759-4812345", "nested": [{"phone": "13900001111"}]}
    conn = await asyncpg.connect(platform_db.databases["ledger"].runtime_url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "INSERT INTO ledger.audit_log (service, action, result, object_type, object_id, region_path, before, after)"
            " VALUES ('ledger', 'creditor.update', 'success', 'creditor', $1, $2, $3, $4)",
            object_id,
            world.unit_a.region_path,
            json.dumps(before, ensure_ascii=False),
            json.dumps(after, ensure_ascii=False),
        )
    finally:
        await conn.close()

    auditor = await worlds.user(world, roles=["auditor"])
    token = (await login(client, auditor.username, ip=world.client_ip))["access_token"]
    r = await client.get("/api/ledger/audit", params={"object_id": object_id}, headers=bearer(token))
    assert r.status_code == 200, r.text
    [entry] = r.json()["items"]
    assert entry["before"] == {
        "name": "某建筑公司",
        "contact_person": "张**",
        "contact_phone": "138****5678",
        "amount": "10.00",
    }
    assert entry["after"]["contact_phone"] == "0759-***2345"
    assert entry["after"]["nested"] == [{"phone": "139****1111"}]

    # Someone who may read personal data (and the trail) sees it in full.
    reader = await worlds.user(world, roles=["auditor", "office_admin"], unit=world.office)
    token = (await login(client, reader.username, ip=world.client_ip))["access_token"]
    r = await client.get("/api/ledger/audit", params={"object_id": object_id}, headers=bearer(token))
    assert r.status_code == 200, r.text
    [entry] = r.json()["items"]
    assert (entry["before"], entry["after"]) == (before, after)
