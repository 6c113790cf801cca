"""Every ORM model of ledger-api, imported once so Alembic sees the whole metadata."""

from ledger_api.audit.models import AuditLog
from ledger_api.db import Base
from ledger_api.identity.models import ApiToken, AuthSession, LoginEvent, RefreshToken, Region, SigningKey, Unit, User

__all__ = [
    "ApiToken",
    "AuditLog",
    "AuthSession",
    "Base",
    "LoginEvent",
    "RefreshToken",
    "Region",
    "SigningKey",
    "Unit",
    "User",
]
