"""A unit name is unique within its region (issue 15: two identical 财政局 rows were accepted).
Existing duplicates are renamed first (…（重复2）), so an upgrade never fails on old data; the
rename is visible and can be corrected in 组织机构.

Revision ID: ledger_0021
Revises: ledger_0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ledger_0021"
down_revision: str | None = "ledger_0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ledger"


def upgrade() -> None:
    op.execute(
        f"""
        UPDATE {SCHEMA}.unit AS u SET name = left(u.name, 110) || '（重复' || d.rn || '）', version = u.version + 1
        FROM (
            SELECT id, row_number() OVER (PARTITION BY region_id, name ORDER BY created_at, id) AS rn
            FROM {SCHEMA}.unit
        ) AS d
        WHERE d.id = u.id AND d.rn > 1
        """
    )
    op.create_index("uq_unit_region_name", "unit", ["region_id", "name"], unique=True, schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("uq_unit_region_name", table_name="unit", schema=SCHEMA)
