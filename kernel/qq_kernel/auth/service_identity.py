"""Service identities: how a service proves who it is to the identity provider.

The kernel knows no service by name: the identity provider (ledger-api) keeps the list of
clients it accepts. Where a service's credential comes from is decided in one place,
:class:`ServiceCredentials`: today each service's client secret is derived from the platform's
shared service secret (one secret for operators to manage, a different credential per service).
Per-service credentials replace this class and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def client_secret_for(master_secret: str, service: str) -> str:
    if not master_secret:
        raise RuntimeError("SERVICE_SECRET is not set: services cannot prove who they are")
    return hmac.new(master_secret.encode(), f"qingqian-service:{service}".encode(), hashlib.sha256).hexdigest()


class ServiceCredentials:
    """The one seam for service credentials: what a service presents, what the provider checks."""

    def __init__(self, master_secret: str) -> None:
        self._master_secret = master_secret

    @property
    def configured(self) -> bool:
        return bool(self._master_secret)

    def secret_for(self, service: str) -> str:
        return client_secret_for(self._master_secret, service)

    def verify(self, service: str, presented: str, *, known_clients: Iterable[str]) -> bool:
        if service not in set(known_clients) or not self._master_secret:
            return False
        return hmac.compare_digest(self.secret_for(service), presented)
