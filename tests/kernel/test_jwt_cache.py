"""qq_kernel.auth.jwt remembers tokens it verified: a remembered token still expires, and only the
key that verified it (with the same issuer and audience) finds it remembered."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk

from qq_kernel.auth import jwt as qjwt


def _key() -> tuple[str, dict]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, jwk.construct(public_pem, qjwt.ALGORITHM).to_dict()


def _token(private_pem: str, **overrides) -> str:
    claims = qjwt.access_claims(
        issuer="iss",
        audience="aud",
        subject="u1",
        kind="user",
        username="u1",
        unit_id=None,
        region_path=None,
        roles=[],
        session_id="s1",
    )
    return qjwt.sign({**claims, **overrides}, private_pem=private_pem, kid="k1")


def test_a_remembered_token_still_expires(monkeypatch):
    private_pem, public = _key()
    token = _token(private_pem)
    assert qjwt.verify(token, jwk=public, issuer="iss", audience="aud")["sub"] == "u1"
    assert qjwt.verify(token, jwk=public, issuer="iss", audience="aud")["sub"] == "u1"  # remembered
    later = time.time() + qjwt.ACCESS_TOKEN_SECONDS + qjwt.LEEWAY_SECONDS + 1
    monkeypatch.setattr(qjwt.time, "time", lambda: later)
    with pytest.raises(qjwt.TokenRejected) as refused:
        qjwt.verify(token, jwk=public, issuer="iss", audience="aud")
    assert refused.value.code == "token_expired"


def test_only_the_verifying_key_issuer_and_audience_find_it():
    private_pem, public = _key()
    _, other_public = _key()
    token = _token(private_pem)
    qjwt.verify(token, jwk=public, issuer="iss", audience="aud")
    with pytest.raises(qjwt.TokenRejected) as refused:
        qjwt.verify(token, jwk=other_public, issuer="iss", audience="aud")
    assert refused.value.code == "token_invalid"
    with pytest.raises(qjwt.TokenRejected):
        qjwt.verify(token, jwk=public, issuer="iss", audience="another-audience")
