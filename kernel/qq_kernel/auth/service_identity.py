"""Service identities: each service holds a client secret derived from the platform's service
secret (one secret for operators to manage, a different credential per service)."""

from __future__ import annotations

import hashlib
import hmac

SERVICE_CLIENTS = ("complaint-api", "notify-api", "ledger-api")


def client_secret_for(master_secret: str, service: str) -> str:
    if not master_secret:
        raise RuntimeError("SERVICE_SECRET is not set: services cannot prove who they are")
    return hmac.new(master_secret.encode(), f"qingqian-service:{service}".encode(), hashlib.sha256).hexdigest()


def verify_client_secret(master_secret: str, service: str, presented: str) -> bool:
    if service not in SERVICE_CLIENTS or not master_secret:
        return False
    return hmac.compare_digest(client_secret_for(master_secret, service), presented)
