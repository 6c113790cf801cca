"""The debtor's type on each item, so the list filters by debtor type without joining debtor
(bench: the count of `debtor_type=…&status=open` went through a nested loop of thousands of debtor
lookups). A composite foreign key keeps the copy equal to the debtor's own type.

Revision ID: ledger_0011
Revises: ledger_0010
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0011"
down_revision: str | None = "ledger_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint("uq_debtor_id_type", "debtor", ["id", "type"], schema="ledger")
    op.add_column("arrears_item", sa.Column("debtor_type", sa.String(length=32), nullable=True), schema="ledger")
    op.execute(
        "UPDATE ledger.arrears_item AS a SET debtor_type = d.type FROM ledger.debtor AS d WHERE d.id = a.debtor_id"
    )
    op.alter_column("arrears_item", "debtor_type", nullable=False, schema="ledger")
    op.create_foreign_key(
        "fk_arrears_item_debtor_type",
        "arrears_item",
        "debtor",
        ["debtor_id", "debtor_type"],
        ["id", "type"],
        source_schema="ledger",
        referent_schema="ledger",
        onupdate="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint("fk_arrears_item_debtor_type", "arrears_item", schema="ledger", type_="foreignkey")
    op.drop_column("arrears_item", "debtor_type", schema="ledger")
    op.drop_constraint("uq_debtor_id_type", "debtor", schema="ledger", type_="unique")
