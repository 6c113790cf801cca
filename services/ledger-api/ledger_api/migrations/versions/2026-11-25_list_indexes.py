"""Indexes the ledger list needs at a million items (bench/README.md):

* a unit's items newest first, carrying status and region_path: a unit's page walks it in order
  and its count is an index-only scan (the data-scope check reads region_path from the index);
* the tail of a ledger number ("000123") through reverse(ledger_no): a suffix LIKE is a prefix
  LIKE on the reversed text, which a text_pattern_ops btree serves whatever the collation.

Revision ID: ledger_0010
Revises: ledger_0009
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ledger_0010"
down_revision: str | None = "ledger_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_arrears_item_unit_created ON ledger.arrears_item "
        "(responsible_unit_id, created_at, id) INCLUDE (status, region_path)"
    )
    op.drop_index("ix_arrears_item_unit_status", table_name="arrears_item", schema="ledger")
    op.execute(
        "CREATE INDEX ix_arrears_item_ledger_no_reversed ON ledger.arrears_item (reverse(ledger_no) text_pattern_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ledger.ix_arrears_item_ledger_no_reversed")
    op.create_index(
        "ix_arrears_item_unit_status", "arrears_item", ["responsible_unit_id", "status"], unique=False, schema="ledger"
    )
    op.execute("DROP INDEX ledger.ix_arrears_item_unit_created")
