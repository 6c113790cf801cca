"""Finding 1 (issue 9): 三员分立 — a caller resets, disables, moves or edits only users whose every
role it could grant, and security, audit and office administration stay separate people."""

from __future__ import annotations

from tests.support.world import bearer, login

LEDGER = "/api/ledger"


async def _etag(client, h, user_id: str) -> dict:
    r = await client.get(f"{LEDGER}/users/{user_id}", headers=h)
    assert r.status_code == 200, r.text
    return {**h, "If-Match": r.headers["etag"]}


async def test_office_admin_cannot_take_over_a_security_admin(client, worlds, world):
    """Finding 1: an office_admin may not reset a security_admin's password (and so log in as
    them), nor disable or move the account; the security_admin may."""
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    security = await worlds.user(world, roles=["security_admin"], unit=world.office)
    auditor_admin = await worlds.user(world, roles=["audit_admin"], unit=world.office)
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    hs = bearer((await login(client, security.username, ip=world.client_ip))["access_token"])

    r = await client.post(f"{LEDGER}/users/{security.id}/reset-password", headers=ho)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "user_not_manageable" and "one_time_password" not in r.json()
    r = await client.post(f"{LEDGER}/users/{auditor_admin.id}/reset-password", headers=ho)
    assert r.status_code == 403

    r = await client.patch(
        f"{LEDGER}/users/{security.id}", json={"active": False}, headers=await _etag(client, ho, security.id)
    )
    assert r.status_code == 403 and r.json()["code"] == "user_not_manageable"
    r = await client.patch(
        f"{LEDGER}/users/{security.id}", json={"unit_id": world.unit_b.id}, headers=await _etag(client, ho, security.id)
    )
    assert r.status_code == 403
    after = (await client.get(f"{LEDGER}/users/{security.id}", headers=hs)).json()
    assert after["active"] is True and after["unit_id"] == world.office.id, "nothing changed"
    # The security admin still logs in with the old password: no takeover happened.
    await login(client, security.username, ip=world.client_ip)

    # Within its reach the office admin still manages people.
    r = await client.post(f"{LEDGER}/users/{operator.id}/reset-password", headers=ho)
    assert r.status_code == 200 and r.json()["one_time_password"]
    r = await client.patch(
        f"{LEDGER}/users/{operator.id}", json={"active": False}, headers=await _etag(client, ho, operator.id)
    )
    assert r.status_code == 200 and r.json()["active"] is False

    # The security admin manages the administrators.
    r = await client.post(f"{LEDGER}/users/{auditor_admin.id}/reset-password", headers=hs)
    assert r.status_code == 200


async def test_admin_roles_stay_separate_people(client, worlds, world):
    """Finding 1: no account made or changed through the API holds two administrator roles."""
    security = await worlds.user(world, roles=["security_admin"], unit=world.office)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    hs = bearer((await login(client, security.username, ip=world.client_ip))["access_token"])

    r = await client.post(
        f"{LEDGER}/users",
        json={
            "username": f"both{world.tag}",
            "display_name": "兼任",
            "unit_id": world.office.id,
            "roles": ["office_admin", "audit_admin"],
            "kind": "person",
        },
        headers=hs,
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "roles" and r.json()["errors"][0]["code"] == "admin_roles_combined"

    r = await client.patch(
        f"{LEDGER}/users/{office.id}",
        json={"roles": ["office_admin", "security_admin"]},
        headers=await _etag(client, hs, office.id),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "admin_roles_combined"
