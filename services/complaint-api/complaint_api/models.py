"""Every ORM model of complaint-api, imported once so Alembic sees the whole metadata."""

from complaint_api.audit.models import AuditLog
from complaint_api.callbacks.models import CallbackEndpoint
from complaint_api.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFile,
    ComplaintFileBlob,
    ExtensionRequest,
    SupervisionNotice,
)
from complaint_api.db import Base
from complaint_api.ledger_link.models import LedgerLink
from complaint_api.outbox.models import Outbox, OutboxAttempt
from complaint_api.sampling.models import RevisitSample

__all__ = [
    "AuditLog",
    "Base",
    "CallbackEndpoint",
    "Complaint",
    "ComplaintEvent",
    "ComplaintFile",
    "ComplaintFileBlob",
    "ExtensionRequest",
    "LedgerLink",
    "Outbox",
    "OutboxAttempt",
    "RevisitSample",
    "SupervisionNotice",
]
