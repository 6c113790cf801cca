"""The outbox (qq_kernel.outbox) of complaint-api.

Revision ID: complaint_outbox_0001
Revises: complaint_0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

from qq_kernel.outbox import create_outbox_tables, drop_outbox_tables

revision: str = "complaint_outbox_0001"
down_revision: str | None = "complaint_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"


def upgrade() -> None:
    create_outbox_tables(op, SCHEMA)


def downgrade() -> None:
    drop_outbox_tables(op, SCHEMA)
