"""Every ORM model of ledger-api, imported once so Alembic sees the whole metadata."""

from ledger_api.audit.models import AuditLog
from ledger_api.db import Base

__all__ = ["AuditLog", "Base"]
