"""Issue 15: a unit name is unique within its region (two identical 财政局 rows were accepted):
creating or renaming into a taken name is a 422 naming the field, and nothing is written."""

from __future__ import annotations

from tests.support.world import bearer, login

UNITS = "/api/ledger/org/units"


async def test_a_duplicate_unit_name_in_a_region_is_refused(client, worlds, world):
    other = await worlds.create()
    admin = await worlds.user(world, roles=["security_admin"], unit=world.office)
    h = bearer((await login(client, admin.username, ip=world.client_ip))["access_token"])

    r = await client.post(UNITS, json={"name": world.unit_a.name, "region_id": world.county.id}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "body.name", "message": f"本行政区划已有名为“{world.unit_a.name}”的单位", "code": "duplicate_name"}
    ]
    listed = (await client.get(UNITS, params={"page_size": 200}, headers=h)).json()
    names = [u["name"] for u in (listed["items"] if isinstance(listed, dict) else listed)]
    assert names.count(world.unit_a.name) == 1, "nothing written"

    # Renaming another unit into the taken name is refused too; renaming to itself is no change.
    unit_b = world.unit_b
    r = await client.patch(
        f"{UNITS}/{unit_b.id}", json={"name": world.unit_a.name}, headers={**h, "If-Match": f'W/"{unit_b.version}"'}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.name"

    # The same name in another region is another unit.
    other_admin = await worlds.user(other, roles=["security_admin"], unit=other.office)
    ho = bearer((await login(client, other_admin.username, ip=other.client_ip))["access_token"])
    r = await client.post(UNITS, json={"name": world.unit_a.name, "region_id": other.county.id}, headers=ho)
    assert r.status_code == 201, r.text
