"""Issue 9, LOW items of the identity review: no username enumeration through the lockout or
integration accounts, no other region's party named by a duplicate credit code, ledger-api's own
key cache expires."""

from __future__ import annotations

import itertools

import asyncpg
from jose import jwt as jose_jwt

from ledger_api.identity import keys
from qq_kernel.auth import remote
from tests.support.ledger_helpers import uscc
from tests.support.world import PASSWORD, bearer, login

WRONG = "Wrong-pass1"

LEDGER = "/api/ledger"


def _answer(r) -> tuple:
    body = r.json()
    return r.status_code, body["code"], body["title"], body["detail"]


async def test_locked_and_integration_accounts_answer_as_an_unknown_user(client, worlds, world):
    """LOW (issue 9): a locked account and an integration account answer exactly as an unknown
    username with a wrong password does (before: 423 and 403 told that the username exists)."""
    user = await worlds.user(world, roles=["unit_operator"])
    integration = await worlds.user(world, roles=["integration"], kind="integration")
    ip = {"X-Real-IP": world.client_ip}

    async def attempt(username: str, password: str = WRONG):
        return await client.post(f"{LEDGER}/auth/token", data={"username": username, "password": password}, headers=ip)

    unknown = _answer(await attempt(f"nobody{world.tag}"))
    assert unknown[:2] == (401, "invalid_credentials")
    for _ in range(5):
        await attempt(user.username)
    assert _answer(await attempt(user.username)) == unknown, "locked"
    assert _answer(await attempt(user.username, PASSWORD)) == unknown, "locked, right password"
    assert _answer(await attempt(integration.username)) == unknown, "integration account"


async def test_duplicate_credit_code_does_not_name_another_regions_party(client, worlds, world):
    """LOW (issue 9): the duplicate's name is given only inside the caller's region."""
    other = await worlds.create()
    mine = await worlds.user(world, roles=["unit_operator"])
    theirs = await worlds.user(other, roles=["unit_operator"], unit=other.unit_a)
    h = bearer((await login(client, mine.username, ip=world.client_ip))["access_token"])
    ht = bearer((await login(client, theirs.username, ip=world.client_ip))["access_token"])
    code, creditor_code = uscc(), uscc()
    secret_name = f"他县保密债务人{other.tag}"
    r = await client.post(
        f"{LEDGER}/debtors",
        json={"name": secret_name, "uscc": code, "type": "government_agency", "supervising_unit_id": other.unit_a.id},
        headers=ht,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{LEDGER}/creditors",
        json={"name": f"他县保密企业{other.tag}", "uscc": creditor_code, "size": "small"},
        headers=ht,
    )
    assert r.status_code == 201, r.text

    r = await client.post(
        f"{LEDGER}/debtors",
        json={"name": "本县某局", "uscc": code, "type": "government_agency", "supervising_unit_id": world.unit_a.id},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "duplicate"
    assert secret_name not in r.text and "其他地区" in r.json()["errors"][0]["message"]
    r = await client.post(
        f"{LEDGER}/creditors", json={"name": "本县某企业", "uscc": creditor_code, "size": "small"}, headers=h
    )
    assert r.status_code == 422 and f"他县保密企业{other.tag}" not in r.text

    # Within the region the duplicate is still named (the unit picks the existing one).
    r = await client.post(
        f"{LEDGER}/debtors",
        json={"name": "他县另一局", "uscc": code, "type": "government_agency", "supervising_unit_id": other.unit_a.id},
        headers=ht,
    )
    assert r.status_code == 422 and secret_name in r.json()["errors"][0]["message"]


async def test_ledger_apis_own_key_cache_expires(gateway, worlds, platform_db, monkeypatch):
    """LOW (issue 9): ledger-api re-reads the published keys at least every JWKS_TTL (before, a
    key once cached verified for the life of the process)."""
    app = dict(gateway.services)[LEDGER]
    authenticator = app.state.authenticator
    async with worlds.sessions() as s:
        current = await keys.ensure_key(s, keys.KeyVault(platform_db.credentials.signing_key_secret))
        await s.commit()
        await authenticator._jwk(s, current.kid)
        authenticator._jwks["withdrawn-kid"] = dict(current.public_jwk, kid="withdrawn-kid")
        assert "withdrawn-kid" in authenticator._jwks
        read_at = authenticator._jwks_read_at
        monkeypatch.setattr(authenticator, "_jwks_read_at", read_at - remote.JWKS_TTL)
        await authenticator._jwk(s, current.kid)
    assert "withdrawn-kid" not in authenticator._jwks, "a key no longer published is forgotten"


async def _owner_exec(platform_db, sql: str, *args) -> None:
    conn = await asyncpg.connect(platform_db.databases["ledger"].owner_url.replace("+asyncpg", ""))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_session_ends_twelve_hours_after_login_however_refreshed(client, worlds, world, platform_db):
    """LOW (issue 9): absolute session lifetime (before, each refresh gave 12 more hours)."""
    user = await worlds.user(world, roles=["unit_operator"])
    tokens = await login(client, user.username, ip=world.client_ip)
    sid = jose_jwt.get_unverified_claims(tokens["access_token"])["sid"]
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    r = await client.post(f"{LEDGER}/auth/token", data=refresh)
    assert r.status_code == 200, "refreshing within the twelve hours works"
    # Moved in the database, not slept: the login was twelve hours ago, the activity is recent.
    await _owner_exec(
        platform_db,
        "UPDATE ledger.auth_session SET created_at = now() - interval '12 hours 1 minute' WHERE id = $1",
        sid,
    )
    r = await client.post(f"{LEDGER}/auth/token", data={**refresh, "refresh_token": r.json()["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "session_expired"


async def test_password_expires_after_the_configured_age(client, worlds, world, platform_db):
    """LOW (issue 9): a password older than 90 days (LEDGER_PASSWORD_MAX_AGE_DAYS) must be changed."""
    user = await worlds.user(world, roles=["unit_operator"])
    await _owner_exec(
        platform_db,
        "UPDATE ledger.user_account SET password_changed_at = now() - interval '89 days' WHERE id = $1",
        user.id,
    )
    assert (await login(client, user.username, ip=world.client_ip))["must_change_password"] is False
    await _owner_exec(
        platform_db,
        "UPDATE ledger.user_account SET password_changed_at = now() - interval '91 days' WHERE id = $1",
        user.id,
    )
    tokens = await login(client, user.username, ip=world.client_ip)
    assert tokens["must_change_password"] is True
    r = await client.get(f"{LEDGER}/org/units", headers=bearer(tokens["access_token"]))
    assert r.status_code == 403 and r.json()["code"] == "password_change_required"


async def test_the_last_five_passwords_do_not_come_back(client, worlds, world):
    """LOW (issue 9): reuse history — the current password and the four before it are refused."""
    user = await worlds.user(world, roles=["unit_operator"])
    used = [PASSWORD, "Second-Pass-2", "Third-Pass-3", "Fourth-Pass-4", "Fifth-Pass-5"]
    for old, new in itertools.pairwise(used):
        h = bearer((await login(client, user.username, old, ip=world.client_ip))["access_token"])
        r = await client.post(f"{LEDGER}/auth/password", json={"old_password": old, "new_password": new}, headers=h)
        assert r.status_code == 204, r.text
    h = bearer((await login(client, user.username, used[-1], ip=world.client_ip))["access_token"])
    for again in (PASSWORD, used[2]):
        r = await client.post(
            f"{LEDGER}/auth/password", json={"old_password": used[-1], "new_password": again}, headers=h
        )
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "password_policy"
        assert "最近 5 次" in r.json()["detail"]
    # One change later the first one has left the last five: it may come back.
    r = await client.post(
        f"{LEDGER}/auth/password", json={"old_password": used[-1], "new_password": "Sixth-Pass-6"}, headers=h
    )
    assert r.status_code == 204, r.text
    h = bearer((await login(client, user.username, "Sixth-Pass-6", ip=world.client_ip))["access_token"])
    r = await client.post(
        f"{LEDGER}/auth/password", json={"old_password": "Sixth-Pass-6", "new_password": PASSWORD}, headers=h
    )
    assert r.status_code == 204, r.text
