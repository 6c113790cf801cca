"""The outbox (qq_kernel.outbox) of complaint-api, the complaints' links to the ledger and the
callback endpoints of integration accounts, the revisit samples.

Revision ID: complaint_outbox_0001
Revises: complaint_0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from qq_kernel.outbox import create_outbox_tables, drop_outbox_tables

revision: str = "complaint_outbox_0001"
down_revision: str | None = "complaint_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"


def upgrade() -> None:
    create_outbox_tables(op, SCHEMA)
    op.create_table(
        "ledger_link",
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("matched_by", sa.String(32)),
        sa.Column("items", postgresql.JSONB(), nullable=False),
        sa.Column("candidate_id", sa.String(36)),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("outcome IN ('matched', 'candidate')", name=op.f("ck_ledger_link_outcome_known")),
        sa.CheckConstraint(
            "(outcome = 'candidate') = (candidate_id IS NOT NULL)", name=op.f("ck_ledger_link_candidate_has_id")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], [f"{SCHEMA}.complaint.id"], name=op.f("fk_ledger_link_complaint_id_complaint")
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_ledger_link")),
        schema=SCHEMA,
    )
    op.create_table(
        "callback_endpoint",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("account_name", sa.String(128), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret_ciphertext", sa.String(500), nullable=False),
        sa.Column("secret_prefix", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("region_path", sa.String(255), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_callback_endpoint")),
        schema=SCHEMA,
    )
    op.create_index("ix_callback_endpoint_region_path", "callback_endpoint", ["region_path"], schema=SCHEMA)
    op.create_table(
        "revisit_sample",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("region_path", sa.String(255), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("share", sa.Numeric(5, 4), nullable=False),
        sa.Column("seed", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(64), nullable=False),
        sa.Column("population", postgresql.JSONB(), nullable=False),
        sa.Column("population_sha256", sa.String(64), nullable=False),
        sa.Column("sample", postgresql.JSONB(), nullable=False),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("drawn_by_name", sa.String(128), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("share > 0 AND share <= 1", name=op.f("ck_revisit_sample_share_range")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_revisit_sample_period_ordered")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisit_sample")),
        sa.UniqueConstraint("region_path", "period_start", "period_end", name=op.f("uq_revisit_sample_region_period")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("revisit_sample", schema=SCHEMA)
    op.drop_table("callback_endpoint", schema=SCHEMA)
    op.drop_table("ledger_link", schema=SCHEMA)
    drop_outbox_tables(op, SCHEMA)
