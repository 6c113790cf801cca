from ledger_api.config import SERVICE_NAME
from ledger_api.db import Base
from qq_kernel.audit import AuditRecorder, audit_log_model

AuditLog = audit_log_model(Base)
# The login log is hash-chained like the audit trail and verified with it.
AUDIT = AuditRecorder(AuditLog, SERVICE_NAME, also_chained=("login_event",))
