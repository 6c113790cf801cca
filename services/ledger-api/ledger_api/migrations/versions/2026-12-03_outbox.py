"""The outbox (qq_kernel.outbox) of ledger-api: events to notify-api.

Revision ID: ledger_0020
Revises: ledger_0019
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

from ledger_api.config import SCHEMA
from qq_kernel.outbox import create_outbox_tables, drop_outbox_tables

revision: str = "ledger_0020"
down_revision: str | None = "ledger_0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_tables(op, SCHEMA)


def downgrade() -> None:
    drop_outbox_tables(op, SCHEMA)
