"""Every ORM model of notify-api, imported once so Alembic sees the whole metadata."""

from notify_api.audit.models import AuditLog
from notify_api.db import Base

__all__ = ["AuditLog", "Base"]
