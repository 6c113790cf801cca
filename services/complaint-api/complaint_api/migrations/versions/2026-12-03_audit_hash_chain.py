"""Hash chain on the audit trail.

Issue 9, finding 4. The rows already there are chained in id order.

Revision ID: complaint_0003
Revises: complaint_outbox_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from qq_kernel.migrations import add_hash_chain, drop_hash_chain

revision: str = "complaint_0003"
down_revision: str | None = "complaint_outbox_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"


def upgrade() -> None:
    add_hash_chain(SCHEMA, "audit_log")


def downgrade() -> None:
    drop_hash_chain(SCHEMA, "audit_log")
