"""Finding 2 (issue 9): one SERVICE_SECRET was all the trust between services. Now each service has
its own credential (ledger-api keeps only hashes), its own permission set, the issuing of service
tokens is audited, and the signing keys are encrypted with a secret only ledger-api holds."""

from __future__ import annotations

import base64
import hashlib

import asyncpg
import pytest
from cryptography.fernet import Fernet, InvalidToken
from jose import jwt as jose_jwt

from ledger_api.identity import keys
from ledger_api.identity.models import SigningKey
from qqctl.services import SERVICES

LEDGER = "/api/ledger"


async def _service_token(client, service: str, secret: str):
    return await client.post(
        f"{LEDGER}/auth/token",
        data={"grant_type": "client_credentials", "client_id": service, "client_secret": secret},
    )


def _candidate(world, ref: str) -> dict:
    return {
        "source_ref": ref,
        "region_path": world.county.path,
        "debtor_name": "某县城市建设投资有限公司",
        "creditor_name": "某某建材有限公司",
        "creditor_size": "small",
        "amount": "1000.00",
        "contract_name": "道路工程",
        "facts": "验收后未付款",
    }


async def test_each_service_holds_only_its_own_credential(client, gateway, platform_db):
    """Finding 2: no service's settings hold a secret that opens another service's identity or
    the signing keys; ledger-api keeps only hashes of the client secrets."""
    settings = {prefix: app.state.settings for prefix, app in gateway.services}
    secrets = {spec.name: platform_db.client_secret(spec.name) for spec in SERVICES}
    assert len(set(secrets.values())) == len(secrets), "one credential per service"
    signing = platform_db.credentials.signing_key_secret
    for spec in SERVICES:
        values = {str(v) for v in settings[spec.prefix].model_dump().values()}
        others = {s for name, s in secrets.items() if name != spec.name}
        assert not values & others, f"{spec.name} holds another service's secret"
        if spec.key != "ledger":
            assert signing not in values, f"{spec.name} holds the signing-key secret"
    ledger = settings[LEDGER]
    assert secrets["complaint-api"] not in str(ledger.service_clients), "only hashes"

    # notify-api's secret does not open complaint-api's identity, nor an unknown client's.
    r = await _service_token(client, "complaint-api", secrets["notify-api"])
    assert r.status_code == 401 and r.json()["code"] == "invalid_client"
    r = await _service_token(client, "notify-api", secrets["notify-api"])
    assert r.status_code == 200


async def test_each_service_token_carries_only_its_own_permissions(client, world, platform_db):
    """Finding 2: complaint-api may propose candidates; notify-api may not (it was every
    service's right when every service token carried the same permissions)."""
    notify = (await _service_token(client, "notify-api", platform_db.client_secret("notify-api"))).json()
    complaint = (await _service_token(client, "complaint-api", platform_db.client_secret("complaint-api"))).json()
    assert "service:ledger_candidate" not in jose_jwt.get_unverified_claims(notify["access_token"])["scp"]

    r = await client.post(
        f"{LEDGER}/candidates",
        json=_candidate(world, f"TS-{world.tag}-n"),
        headers={"Authorization": f"Bearer {notify['access_token']}"},
    )
    assert r.status_code == 403, r.text
    r = await client.post(
        f"{LEDGER}/candidates",
        json=_candidate(world, f"TS-{world.tag}-c"),
        headers={"Authorization": f"Bearer {complaint['access_token']}"},
    )
    assert r.status_code == 201, r.text

    # Introspection is a service right of complaint-api and notify-api, never of ledger-api's own
    # relay identity.
    ledger = (await _service_token(client, "ledger-api", platform_db.client_secret("ledger-api"))).json()
    r = await client.post(
        f"{LEDGER}/auth/introspect",
        json={"token": "qq_nothing"},
        headers={"Authorization": f"Bearer {ledger['access_token']}"},
    )
    assert r.status_code == 403


async def test_issuing_service_tokens_is_audited(client, platform_db):
    """Finding 2: each service token issued, and each refused request, is an audit row."""
    r = await _service_token(client, "notify-api", platform_db.client_secret("notify-api"))
    jti = jose_jwt.get_unverified_claims(r.json()["access_token"])["jti"]
    await _service_token(client, "notify-api", "wrong-" + platform_db.client_secret("notify-api"))
    conn = await asyncpg.connect(platform_db.databases["ledger"].owner_url.replace("+asyncpg", ""))
    try:
        issued = await conn.fetchrow(
            "SELECT actor_name, object_id, after FROM ledger.audit_log WHERE action = 'service.token_issued'"
            " AND after->>'jti' = $1",
            jti,
        )
        refused = await conn.fetchval(
            "SELECT count(*) FROM ledger.audit_log WHERE action = 'service.token_refused' AND object_id = 'notify-api'"
        )
    finally:
        await conn.close()
    assert issued["actor_name"] == "service:notify-api" and issued["object_id"] == "notify-api"
    assert refused >= 1


async def test_signing_keys_open_only_with_ledger_apis_own_secret(worlds, platform_db):
    """Finding 2: the stored private key opens with ledger-api's signing-key secret and with no
    secret another service holds (before, every service's SERVICE_SECRET opened it)."""
    async with worlds.sessions() as s:
        key = await keys.ensure_key(s, keys.KeyVault(platform_db.credentials.signing_key_secret))
        await s.commit()
        ciphertext = key.private_pem_encrypted
    assert keys.KeyVault(platform_db.credentials.signing_key_secret).decrypt(ciphertext)[0].startswith("-----BEGIN")
    for service in ("complaint-api", "notify-api"):
        secret = platform_db.client_secret(service)
        for label in ("signing-key", "qingqian-signing-key"):
            fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{label}:{secret}".encode()).digest()))
            with pytest.raises(InvalidToken):
                fernet.decrypt(ciphertext.encode())


def test_keys_under_the_old_shared_secret_move_to_the_new_one():
    """Finding 2, migration path: a key encrypted under the old SERVICE_SECRET derivation is read
    through ``legacy_service_secret`` and re-encrypted under the signing-key secret."""
    old_secret, new_secret = "o" * 48, "n" * 48
    old = Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"signing-key:{old_secret}".encode()).digest()))
    pem = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"
    row = SigningKey(kid="k1", public_jwk={}, private_pem_encrypted=old.encrypt(pem.encode()).decode())
    vault = keys.KeyVault(new_secret, legacy_service_secret=old_secret)
    assert keys.private_pem(row, vault) == pem
    assert keys._readable(row, vault)
    assert keys.KeyVault(new_secret).decrypt(row.private_pem_encrypted) == (pem, True), "re-encrypted"
    with pytest.raises(InvalidToken):
        old.decrypt(row.private_pem_encrypted.encode())
