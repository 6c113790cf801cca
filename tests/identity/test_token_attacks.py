"""Issue 3 acceptance 2: forged and stale tokens are refused by every service."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt as jose_jwt

from ledger_api.identity import keys
from qq_kernel.auth import jwt as qjwt
from tests.support.world import bearer, login

PREFIXES = ("/api/ledger", "/api/complaints", "/api/notify")


def _vault(platform_db) -> keys.KeyVault:
    return keys.KeyVault(platform_db.credentials.signing_key_secret)


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
async def signer(worlds, platform_db):
    """Claims of a real user and the platform's real current private key, to forge precisely."""
    async with worlds.sessions() as s:
        key = await keys.ensure_key(s, _vault(platform_db))
        await s.commit()
        return key.kid, keys.private_pem(key, _vault(platform_db)), key.public_jwk


@pytest.fixture
async def genuine(client, worlds, world):
    user = await worlds.user(world, roles=["auditor"], unit=world.office)
    tokens = await login(client, user.username, ip=world.client_ip)
    claims = jose_jwt.get_unverified_claims(tokens["access_token"])
    return tokens["access_token"], claims


async def _refused_everywhere(client, token: str) -> list[str]:
    codes = []
    for prefix in PREFIXES:
        r = await client.get(f"{prefix}/audit", headers=bearer(token))
        assert r.status_code == 401, (prefix, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        codes.append(r.json()["code"])
    return codes


async def test_genuine_token_is_accepted_everywhere(client, genuine):
    token, _ = genuine
    for prefix in PREFIXES:
        assert (await client.get(f"{prefix}/audit", headers=bearer(token))).status_code == 200


async def test_alg_none_is_refused(client, genuine, signer):
    _, claims = genuine
    kid, _, _ = signer
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."
    assert set(await _refused_everywhere(client, token)) == {"token_algorithm"}


async def test_hs256_signed_with_the_public_key_is_refused(client, genuine, signer):
    _, claims = genuine
    kid, private_pem, _ = signer
    public_pem = (
        serialization.load_pem_private_key(private_pem.encode(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    import hashlib
    import hmac

    header = _b64({"alg": "HS256", "typ": "JWT", "kid": kid})
    body = _b64(claims)
    sig = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{_b64(sig)}"
    assert set(await _refused_everywhere(client, token)) == {"token_algorithm"}


async def test_expired_token_is_refused(client, genuine, signer):
    _, claims = genuine
    kid, private_pem, _ = signer
    stale = {**claims, "iat": int(time.time()) - 3600, "nbf": int(time.time()) - 3600, "exp": int(time.time()) - 600}
    token = qjwt.sign(stale, private_pem=private_pem, kid=kid)
    assert set(await _refused_everywhere(client, token)) == {"token_expired"}


@pytest.mark.parametrize("claim,value", [("aud", "someone-else"), ("iss", "evil-issuer")])
async def test_wrong_audience_or_issuer_is_refused(client, genuine, signer, claim, value):
    _, claims = genuine
    kid, private_pem, _ = signer
    token = qjwt.sign({**claims, claim: value}, private_pem=private_pem, kid=kid)
    assert set(await _refused_everywhere(client, token)) == {"token_claims"}


async def test_unknown_kid_is_refused(client, genuine):
    _, claims = genuine
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = foreign.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    token = qjwt.sign(claims, private_pem=pem, kid="not-our-key")
    assert set(await _refused_everywhere(client, token)) == {"token_kid_unknown"}


async def test_our_kid_with_a_foreign_signature_is_refused(client, genuine, signer):
    _, claims = genuine
    kid, _, _ = signer
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = foreign.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    token = qjwt.sign({**claims, "roles": ["office_admin", "security_admin"]}, private_pem=pem, kid=kid)
    assert set(await _refused_everywhere(client, token)) == {"token_invalid"}


async def test_garbage_and_unknown_api_tokens_are_refused(client):
    for token in ("garbage", "qq_deadbeef_notatoken", "a.b.c"):
        for prefix in PREFIXES:
            r = await client.get(f"{prefix}/audit", headers=bearer(token))
            assert r.status_code == 401, (token, prefix)
    for prefix in PREFIXES:
        r = await client.get(f"{prefix}/audit")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_service_identity_cannot_be_faked(client):
    r = await client.post(
        "/api/ledger/auth/token",
        data={"grant_type": "client_credentials", "client_id": "complaint-api", "client_secret": "guess"},
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_client"


async def test_introspection_is_for_services_only(client, genuine):
    token, _ = genuine
    r = await client.post("/api/ledger/auth/introspect", json={"token": "qq_x_y"}, headers=bearer(token))
    assert r.status_code == 403
