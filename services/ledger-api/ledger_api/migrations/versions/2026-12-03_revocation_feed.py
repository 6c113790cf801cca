"""The revocation feed (issue 9 finding 5): sessions, users and API tokens the other services
must stop accepting within seconds; the users' password history (reuse of the last 5 refused).

Revision ID: ledger_0019
Revises: ledger_0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0019"
down_revision: str | None = "ledger_0018"
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
    op.create_table(
        "password_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["ledger.user_account.id"], name=op.f("fk_password_history_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
        schema="ledger",
    )
    op.create_index(
        op.f("ix_ledger_password_history_user_id"), "password_history", ["user_id"], unique=False, schema="ledger"
    )
    op.create_index(
        op.f("ix_ledger_revocation_revoked_at"), "revocation", ["revoked_at"], unique=False, schema="ledger"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_password_history_user_id"), table_name="password_history", schema="ledger")
    op.drop_table("password_history", schema="ledger")
    op.drop_index(op.f("ix_ledger_revocation_revoked_at"), table_name="revocation", schema="ledger")
    op.drop_table("revocation", schema="ledger")
