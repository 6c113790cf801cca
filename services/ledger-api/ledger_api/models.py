"""Every ORM model of ledger-api, imported once so Alembic sees the whole metadata."""

from ledger_api.audit.models import AuditLog
from ledger_api.db import Base
from ledger_api.identity.models import ApiToken, AuthSession, LoginEvent, RefreshToken, Region, SigningKey, Unit, User
from ledger_api.ledger.models import (
    Adjustment,
    ArrearsItem,
    Creditor,
    Debtor,
    EvidenceBlob,
    EvidenceFile,
    FundingLine,
    LedgerSequence,
    Repayment,
)

__all__ = [
    "Adjustment",
    "ApiToken",
    "ArrearsItem",
    "AuditLog",
    "AuthSession",
    "Base",
    "Creditor",
    "Debtor",
    "EvidenceBlob",
    "EvidenceFile",
    "FundingLine",
    "LedgerSequence",
    "LoginEvent",
    "RefreshToken",
    "Region",
    "Repayment",
    "SigningKey",
    "Unit",
    "User",
]
