"""The people directory (GET /api/ledger/people): a unit operator can read the names of the people
it may name as an item's responsible person, and nothing more."""

from __future__ import annotations

from sqlalchemy import update

from ledger_api.identity.models import User
from tests.support.world import bearer, login

URL = "/api/ledger/people"


async def _people(client, h, **params) -> dict:
    r = await client.get(URL, params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_operator_sees_the_people_of_its_own_unit_only(client, worlds, world):
    other = await worlds.create()
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    colleague = await worlds.user(world, roles=["unit_leader"], unit=world.unit_a)
    gone = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    robot = await worlds.user(world, roles=["integration"], unit=world.unit_a, kind="integration")
    neighbour = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    stranger = await worlds.user(other, roles=["unit_operator"], unit=other.unit_a)
    async with worlds.sessions() as s:
        await s.execute(update(User).where(User.id == gone.id).values(active=False))
        await s.commit()
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])

    page = await _people(client, h)
    assert {p["id"] for p in page["items"]} == {operator.id, colleague.id}
    assert page["total"] == 2
    for person in page["items"]:
        # Confidentiality: a name to pick, no account data.
        assert set(person) == {"id", "display_name", "unit_name"}
        assert person["unit_name"] == world.unit_a.name
    assert {p["display_name"] for p in page["items"]} == {operator.display_name, colleague.display_name}
    for outsider in (neighbour, office, stranger, gone, robot):
        assert outsider.id not in str(page)
    # Asking for another unit does not widen the scope.
    assert (await _people(client, h, unit_id=world.unit_b.id))["items"] == []
    assert (await _people(client, h, unit_id=other.unit_a.id))["items"] == []
    found = await _people(client, h, q=colleague.display_name[-4:])
    assert [p["id"] for p in found["items"]] == [colleague.id]

    # The office picks among the people of its region, unit by unit; never another region's.
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    unit_b = await _people(client, ho, unit_id=world.unit_b.id)
    assert [p["id"] for p in unit_b["items"]] == [neighbour.id]
    everyone = await _people(client, ho, page_size=200)
    ids = {p["id"] for p in everyone["items"]}
    assert {operator.id, colleague.id, neighbour.id, office.id} <= ids and stranger.id not in ids


async def test_readers_without_the_write_right_get_no_directory(client, worlds, world):
    auditor = await worlds.user(world, roles=["auditor"], unit=world.office)
    h = bearer((await login(client, auditor.username, ip=world.client_ip))["access_token"])
    r = await client.get(URL, headers=h)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
