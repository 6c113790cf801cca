"""Per-person notification preferences (kind × channel).

Revision ID: notify_0004
Revises: notify_0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0004"
down_revision: str | None = "notify_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"


def upgrade() -> None:
    op.create_table(
        "preference",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_preference"),
        sa.UniqueConstraint("user_id", "kind", "channel", name="uq_preference_user_kind_channel"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("preference", schema=SCHEMA)
