"""Events received from the outboxes (stored once) and the in-app inbox.

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "notify_0002"
down_revision: str | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("event_id", name="pk_event"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_event_pending", "event", ["received_at"], schema=SCHEMA, postgresql_where=sa.text("fanned_out_at IS NULL")
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("link", sa.String(300)),
        sa.Column("item_id", sa.String(36)),
        sa.Column("complaint_id", sa.String(36)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
        sa.UniqueConstraint("event_id", "user_id", name="uq_notification_event_user"),
        schema=SCHEMA,
    )
    op.create_index("ix_notification_user", "notification", ["user_id", "id"], schema=SCHEMA)
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("read_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("notification", schema=SCHEMA)
    op.drop_table("event", schema=SCHEMA)
