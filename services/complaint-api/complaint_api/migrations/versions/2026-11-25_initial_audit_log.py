"""Initial schema: the append-only audit trail.

Revision ID: complaint_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from qq_kernel.audit import append_only_sql, drop_append_only_sql

revision: str = "complaint_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("actor_kind", sa.String(16)),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("actor_name", sa.String(128)),
        sa.Column("actor_roles", postgresql.JSONB()),
        sa.Column("object_type", sa.String(64)),
        sa.Column("object_id", sa.String(64)),
        sa.Column("unit_id", sa.String(64)),
        sa.Column("region_path", sa.String(255)),
        sa.Column("before", postgresql.JSONB()),
        sa.Column("after", postgresql.JSONB()),
        sa.Column("detail", sa.String(500)),
        sa.Column("request_id", sa.String(128)),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema=SCHEMA,
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], schema=SCHEMA)
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"], schema=SCHEMA)
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"], schema=SCHEMA)
    op.create_index("ix_audit_log_region_path", "audit_log", ["region_path"], schema=SCHEMA)
    for statement in append_only_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_sql(SCHEMA):
        op.execute(statement)
    op.drop_table("audit_log", schema=SCHEMA)
