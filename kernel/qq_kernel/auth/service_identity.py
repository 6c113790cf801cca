"""Service identities: how a service proves who it is to the identity provider.

Each service has its own client secret, generated at provisioning (``qqctl credentials``) and
held in its own environment only (``<PREFIX>CLIENT_SECRET``). The identity provider (ledger-api)
keeps only SHA-256 hashes of the secrets it accepts, per client, with what each client may do;
no service can derive another's credential. Secrets are 256-bit random values, so a plain
SHA-256 (not a password hash) is the right check. The kernel knows no service by name: the
provider passes its table of clients.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

HASH_PREFIX = "sha256:"


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return HASH_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


class ServiceCredentials:
    """What a service presents: its own client secret."""

    def __init__(self, client_secret: str) -> None:
        self._secret = client_secret

    @property
    def configured(self) -> bool:
        return bool(self._secret)

    def secret(self) -> str:
        if not self._secret:
            raise RuntimeError("CLIENT_SECRET is not set: this service cannot prove who it is")
        return self._secret


class ServiceClients:
    """What the identity provider checks: the hashes of each client's accepted secrets (more than
    one while a secret is being rotated)."""

    def __init__(self, hashes: Mapping[str, Iterable[str] | str]) -> None:
        self._hashes = {name: ([value] if isinstance(value, str) else list(value)) for name, value in hashes.items()}

    def verify(self, service: str, presented: str, *, known_clients: Iterable[str]) -> bool:
        if service not in set(known_clients) or not presented:
            return False
        digest = secret_hash(presented)
        # Compare against every accepted hash (no early exit): the answer's timing says nothing.
        matched = False
        for accepted in self._hashes.get(service, []):
            matched |= hmac.compare_digest(accepted, digest)
        return matched
