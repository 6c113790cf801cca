"""Every ORM model of complaint-api, imported once so Alembic sees the whole metadata."""

from complaint_api.audit.models import AuditLog
from complaint_api.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFile,
    ComplaintFileBlob,
    ExtensionRequest,
    SupervisionNotice,
)
from complaint_api.db import Base

__all__ = [
    "AuditLog",
    "Base",
    "Complaint",
    "ComplaintEvent",
    "ComplaintFile",
    "ComplaintFileBlob",
    "ExtensionRequest",
    "SupervisionNotice",
]
