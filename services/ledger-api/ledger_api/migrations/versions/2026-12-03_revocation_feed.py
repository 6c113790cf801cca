"""The revocation feed (issue 9 finding 5): sessions, users and API tokens the other services
must stop accepting within seconds; the users' password history (reuse of the last 5 refused).

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


def upgrade() -> None:
    op.create_table(
        "revocation",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation")),
        schema="ledger",
    )
    op.add_column(
        "user_account",
        sa.Column("password_history", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        schema="ledger",
    )
    op.create_index(
        op.f("ix_ledger_revocation_revoked_at"), "revocation", ["revoked_at"], unique=False, schema="ledger"
    )


def downgrade() -> None:
    op.drop_column("user_account", "password_history", schema="ledger")
    op.drop_index(op.f("ix_ledger_revocation_revoked_at"), table_name="revocation", schema="ledger")
    op.drop_table("revocation", schema="ledger")
