"""Yearly numbering one way: ledger numbers and supervision notice numbers both take their next
value from ``yearly_sequence`` (series, scope, year). The ledger's counters move over from
``ledger_sequence``; the notices' counters start at the highest number issued so far.

Revision ID: ledger_0013
Revises: ledger_0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0013"
down_revision: str | None = "ledger_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "yearly_sequence",
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "scope", "year", name=op.f("pk_yearly_sequence")),
        schema="ledger",
    )
    op.execute(
        "INSERT INTO ledger.yearly_sequence (series, scope, year, last_value) "
        "SELECT 'ledger_no', region_code, year, last_value FROM ledger.ledger_sequence"
    )
    op.execute(
        "INSERT INTO ledger.yearly_sequence (series, scope, year, last_value) "
        "SELECT 'supervision_notice', region_code, year, max(seq) FROM ledger.supervision_notice "
        "GROUP BY region_code, year"
    )
    op.drop_table("ledger_sequence", schema="ledger")


def downgrade() -> None:
    op.create_table(
        "ledger_sequence",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", name=op.f("pk_ledger_sequence")),
        schema="ledger",
    )
    op.execute(
        "INSERT INTO ledger.ledger_sequence (region_code, year, last_value) "
        "SELECT scope, year, last_value FROM ledger.yearly_sequence WHERE series = 'ledger_no'"
    )
    op.drop_table("yearly_sequence", schema="ledger")
