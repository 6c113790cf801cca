"""Complaints matched to ledger items (complaint-api's matching, once per complaint) and the
complaint on each item, read by the "complained under agreement" red flag.

Revision ID: ledger_0016
Revises: ledger_0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ledger_0016"
down_revision: str | None = "ledger_0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint_match",
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("complaint_no", sa.String(length=32), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("matched_by", sa.String(length=32), nullable=True),
        sa.Column("request", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("outcome IN ('matched', 'unmatched')", name=op.f("ck_complaint_match_outcome_known")),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaint_match")),
        schema="ledger",
    )
    op.create_table(
        "complaint_item_link",
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("complaint_no", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["ledger.complaint_match.complaint_id"],
            name=op.f("fk_complaint_item_link_complaint_id_complaint_match"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_complaint_item_link_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["ledger.repayment_plan.id"], name=op.f("fk_complaint_item_link_plan_id_repayment_plan")
        ),
        sa.PrimaryKeyConstraint("complaint_id", "item_id", name=op.f("pk_complaint_item_link")),
        schema="ledger",
    )
    op.create_index("ix_complaint_item_link_item", "complaint_item_link", ["item_id", "created_at"], schema="ledger")
    op.create_index(
        "ix_complaint_item_link_plan",
        "complaint_item_link",
        ["item_id"],
        schema="ledger",
        postgresql_where=sa.text("plan_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("complaint_item_link", schema="ledger")
    op.drop_table("complaint_match", schema="ledger")
