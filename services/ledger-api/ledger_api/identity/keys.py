"""RS256 signing keys: generation, encryption at rest, rotation without downtime.

The private halves are encrypted with ledger-api's own ``signing_key_secret`` (:class:`KeyVault`).
Rows written under a previous secret, or under the old derivation from the platform-wide
SERVICE_SECRET, stay readable while that secret is configured and are re-encrypted under the
current one when :func:`ensure_key` next uses them."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
import uuid
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Request
from jose import jwk
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity.models import SigningKey
from qq_kernel.auth.jwt import ACCESS_TOKEN_SECONDS, ALGORITHM
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import now

log = logging.getLogger("ledger_api.keys")

# A new key is published this long before it starts signing, so every verifier's JWKS cache
# (refetched on an unknown kid anyway) has seen it.
PUBLISH_AHEAD = timedelta(minutes=5)


def _fernet(secret: str, label: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{label}:{secret}".encode()).digest()))


class KeyVault:
    """Encrypts with the current secret; decrypts with the current, the previous ones, and the
    legacy SERVICE_SECRET derivation (upgrade path)."""

    def __init__(
        self, secret: str, *, previous: list[str] | tuple[str, ...] = (), legacy_service_secret: str = ""
    ) -> None:
        if not secret:
            raise RuntimeError("LEDGER_SIGNING_KEY_SECRET is not set: signing keys cannot be stored")
        self._current = _fernet(secret, "qingqian-signing-key")
        self._older = [_fernet(p, "qingqian-signing-key") for p in previous if p]
        if legacy_service_secret:
            self._older.append(_fernet(legacy_service_secret, "signing-key"))

    @classmethod
    def of(cls, settings) -> KeyVault:
        return cls(
            settings.signing_key_secret,
            previous=settings.signing_key_previous_secrets,
            legacy_service_secret=settings.legacy_service_secret,
        )

    def encrypt(self, pem: str) -> str:
        return self._current.encrypt(pem.encode()).decode()

    def decrypt(self, ciphertext: str) -> tuple[str, bool]:
        """(the PEM, whether it is under the current secret); InvalidToken when no secret opens it."""
        try:
            return self._current.decrypt(ciphertext.encode()).decode(), True
        except InvalidToken:
            pass
        for older in self._older:
            try:
                return older.decrypt(ciphertext.encode()).decode(), False
            except InvalidToken:
                continue
        raise InvalidToken


def new_key(vault: KeyVault, *, signing_from: datetime) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    kid = f"{time.strftime('%Y%m%d')}-{uuid.uuid4().hex[:8]}"
    public_jwk = jwk.construct(public_pem, ALGORITHM).to_dict()
    public_jwk = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public_jwk.items()}
    public_jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
    return SigningKey(
        kid=kid,
        public_jwk=public_jwk,
        private_pem_encrypted=vault.encrypt(pem),
        signing_from=signing_from,
    )


def _readable(key: SigningKey, vault: KeyVault) -> bool:
    """Whether the vault opens the key; one under an older secret is re-encrypted on the way."""
    try:
        pem, current = vault.decrypt(key.private_pem_encrypted)
    except InvalidToken:
        return False
    if not current:
        key.private_pem_encrypted = vault.encrypt(pem)
        log.info("signing key %s re-encrypted under the current signing-key secret", key.kid)
    return True


def private_pem(key: SigningKey, vault: KeyVault) -> str:
    return vault.decrypt(key.private_pem_encrypted)[0]


async def published_keys(session: AsyncSession) -> list[SigningKey]:
    """Keys in the JWKS: not retired, or retired less than a token lifetime ago."""
    cutoff = now() - timedelta(seconds=ACCESS_TOKEN_SECONDS + 60)
    rows = await session.scalars(select(SigningKey).order_by(SigningKey.signing_from))
    return [k for k in rows if k.retired_at is None or k.retired_at > cutoff]


async def current_signing_key(session: AsyncSession) -> SigningKey | None:
    t = now()
    return await session.scalar(
        select(SigningKey)
        .where(
            SigningKey.signing_from <= t,
            or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > t),
        )
        .order_by(SigningKey.signing_from.desc())
        .limit(1)
    )


async def ensure_key(session: AsyncSession, vault: KeyVault) -> SigningKey:
    key = await current_signing_key(session)
    # Keys published ahead (rotation) move to the current secret too.
    for ahead in await session.scalars(select(SigningKey).where(SigningKey.signing_from > now())):
        _readable(ahead, vault)
    if key is not None and not _readable(key, vault):
        # The signing-key secret changed without keeping the old one (or was restored wrongly):
        # this key can no longer sign. Retire it and start a new one; tokens it signed stay
        # verifiable until they expire.
        log.warning("signing key %s cannot be decrypted with the configured secrets; replacing it", key.kid)
        key.retired_at = now()
        await session.flush()
        key = None
    if key is None:
        key = new_key(vault, signing_from=now() - timedelta(seconds=1))
        session.add(key)
        await session.flush()
    return key


async def rotate(session: AsyncSession, vault: KeyVault, *, publish_ahead: timedelta = PUBLISH_AHEAD) -> SigningKey:
    """Publish a new key now; it signs from ``now + publish_ahead``; older keys retire then."""
    signs_from = now() + publish_ahead
    key = new_key(vault, signing_from=signs_from)
    older = await session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None)))
    for old in older:
        old.retired_at = signs_from
    session.add(key)
    await session.flush()
    return key


async def rotate_by(session: AsyncSession, *, principal: Principal, request: Request, vault: KeyVault) -> SigningKey:
    """:func:`rotate` at an administrator's request, on the audit trail."""
    key = await rotate(session, vault)
    await AUDIT.record(
        session,
        action="signing_key.rotated",
        principal=principal,
        request=request,
        object_type="signing_key",
        object_id=key.kid,
        region_path=principal.region_path,
    )
    return key
