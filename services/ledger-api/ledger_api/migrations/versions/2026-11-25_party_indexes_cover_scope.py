"""The debtor and creditor indexes of arrears_item carry the data-scope columns, so a search's
count (items of the debtors or creditors whose names match) is an index-only scan instead of a
heap fetch per item to check the caller's scope (bench: q=建设 21 → 4 ms at a million items).
They are larger (no deduplication with INCLUDE columns: ~116 and ~150 MB at a million items).

Revision ID: ledger_0012
Revises: ledger_0011
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ledger_0012"
down_revision: str | None = "ledger_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# party -> what its index carries: the scope's columns, and for the creditor (a search counts the
# creditor's matches after the debtor's) the debtor, to leave out what the debtor's count counted.
PARTIES = {
    "debtor": "responsible_unit_id, region_path",
    "creditor": "responsible_unit_id, region_path, debtor_id",
}


def upgrade() -> None:
    for party, carried in PARTIES.items():
        op.drop_index(f"ix_arrears_item_{party}", table_name="arrears_item", schema="ledger")
        op.execute(f"CREATE INDEX ix_arrears_item_{party} ON ledger.arrears_item ({party}_id) INCLUDE ({carried})")


def downgrade() -> None:
    for party in PARTIES:
        op.drop_index(f"ix_arrears_item_{party}", table_name="arrears_item", schema="ledger")
        op.create_index(f"ix_arrears_item_{party}", "arrears_item", [f"{party}_id"], unique=False, schema="ledger")
