from ledger_api.db import Base
from qq_kernel.audit import AuditMixin, audit_indexes


class AuditLog(AuditMixin, Base):
    __table_args__ = audit_indexes()
