"""Hash chain on the audit trail and the login log (now append-only too).

Issue 9, finding 4. The rows already there are chained in id order.

Revision ID: ledger_0018
Revises: ledger_0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from qq_kernel.migrations import add_hash_chain, drop_hash_chain

revision: str = "ledger_0018"
down_revision: str | None = "ledger_0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ledger"


def upgrade() -> None:
    add_hash_chain(SCHEMA, "audit_log")
    # The login log had no protection: the runtime role could UPDATE it.
    add_hash_chain(SCHEMA, "login_event")


def downgrade() -> None:
    drop_hash_chain(SCHEMA, "login_event", drop_append_only=True)
    drop_hash_chain(SCHEMA, "audit_log")
