from notify_api.config import SERVICE_NAME
from notify_api.db import Base
from qq_kernel.audit import AuditRecorder, audit_log_model

AuditLog = audit_log_model(Base)
AUDIT = AuditRecorder(AuditLog, SERVICE_NAME)
