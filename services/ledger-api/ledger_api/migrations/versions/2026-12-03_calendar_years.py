"""The platform calendar: holiday schedules loaded by operators, one row per year.

Revision ID: ledger_0014
Revises: ledger_0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ledger_0014"
down_revision: str | None = "ledger_0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ledger"


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", postgresql.JSONB(), nullable=False),
        sa.Column("workdays", postgresql.JSONB(), nullable=False),
        sa.Column("notice", sa.String(200), nullable=False),
        sa.Column("loaded_by", sa.String(36), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("calendar_year", schema=SCHEMA)
