"""Initial schema: the append-only audit trail.

Revision ID: ledger_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from qq_kernel.migrations import create_audit_log, drop_audit_log

revision: str = "ledger_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ledger"


def upgrade() -> None:
    create_audit_log(SCHEMA)


def downgrade() -> None:
    drop_audit_log(SCHEMA)
