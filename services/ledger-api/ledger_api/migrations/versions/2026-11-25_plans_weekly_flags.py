"""Repayment plans (installments, extensions), weekly updates, red flags and dispute reclassification requests.

Revision ID: ledger_0005
Revises: ledger_0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ledger_0005"
down_revision: str | None = "ledger_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_reclassification",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name=op.f("ck_dispute_reclassification_decided_has_time")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_dispute_reclassification_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_dispute_reclassification_item_id_arrears_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_reclassification")),
        schema="ledger",
    )
    op.create_index(
        "ix_dispute_reclassification_item", "dispute_reclassification", ["item_id"], unique=False, schema="ledger"
    )
    op.create_index(
        "uq_dispute_reclassification_pending_item",
        "dispute_reclassification",
        ["item_id"],
        unique=True,
        schema="ledger",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "red_flag",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "cleared_at IS NULL OR cleared_at >= raised_at", name=op.f("ck_red_flag_cleared_after_raised")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_red_flag_item_id_arrears_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_flag")),
        schema="ledger",
    )
    op.create_index("ix_red_flag_item", "red_flag", ["item_id", "raised_at"], unique=False, schema="ledger")
    op.create_index(
        "ix_red_flag_kind_active",
        "red_flag",
        ["kind"],
        unique=False,
        schema="ledger",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_index(
        "uq_red_flag_active_item_kind",
        "red_flag",
        ["item_id", "kind"],
        unique=True,
        schema="ledger",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_table(
        "weekly_update",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("paid_this_week", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("extract(isodow from week_start) = 1", name=op.f("ck_weekly_update_week_starts_monday")),
        sa.CheckConstraint("paid_this_week >= 0", name=op.f("ck_weekly_update_paid_not_negative")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["ledger.user_account.id"], name=op.f("fk_weekly_update_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_weekly_update_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["ledger.unit.id"], name=op.f("fk_weekly_update_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_update")),
        sa.UniqueConstraint("item_id", "week_start", name=op.f("uq_weekly_update_item_id_week_start")),
        schema="ledger",
    )
    op.create_index("ix_weekly_update_week", "weekly_update", ["week_start"], unique=False, schema="ledger")
    op.create_table(
        "repayment_plan",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("baseline_verified_repaid", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("agreement_evidence_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("replaces_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'superseded') = (superseded_at IS NOT NULL)", name=op.f("ck_repayment_plan_superseded_has_time")
        ),
        sa.CheckConstraint("status IN ('active', 'superseded')", name=op.f("ck_repayment_plan_status_known")),
        sa.CheckConstraint("total > 0", name=op.f("ck_repayment_plan_total_positive")),
        sa.ForeignKeyConstraint(
            ["agreement_evidence_id"],
            ["ledger.evidence_file.id"],
            name=op.f("fk_repayment_plan_agreement_evidence_id_evidence_file"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_repayment_plan_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["ledger.repayment_plan.id"], name=op.f("fk_repayment_plan_replaces_id_repayment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayment_plan")),
        schema="ledger",
    )
    op.create_index("ix_repayment_plan_item", "repayment_plan", ["item_id"], unique=False, schema="ledger")
    op.create_index(
        "uq_repayment_plan_active_item",
        "repayment_plan",
        ["item_id"],
        unique=True,
        schema="ledger",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "plan_installment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("original_due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_plan_installment_amount_positive")),
        sa.CheckConstraint("due_date >= original_due_date", name=op.f("ck_plan_installment_only_postponed")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["ledger.repayment_plan.id"], name=op.f("fk_plan_installment_plan_id_repayment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_installment")),
        schema="ledger",
    )
    op.create_index(
        "ix_plan_installment_plan", "plan_installment", ["plan_id", "due_date"], unique=False, schema="ledger"
    )
    op.create_table(
        "installment_extension",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("installment_id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("old_due_date", sa.Date(), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("extended_by", sa.String(length=36), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("new_due_date > old_due_date", name=op.f("ck_installment_extension_later_date")),
        sa.ForeignKeyConstraint(
            ["installment_id"],
            ["ledger.plan_installment.id"],
            name=op.f("fk_installment_extension_installment_id_plan_installment"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_installment_extension_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["ledger.repayment_plan.id"], name=op.f("fk_installment_extension_plan_id_repayment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installment_extension")),
        schema="ledger",
    )
    op.create_index(
        "ix_installment_extension_installment",
        "installment_extension",
        ["installment_id"],
        unique=False,
        schema="ledger",
    )
    op.create_index(
        "ix_installment_extension_item", "installment_extension", ["item_id"], unique=False, schema="ledger"
    )


def downgrade() -> None:
    op.drop_index("ix_installment_extension_item", table_name="installment_extension", schema="ledger")
    op.drop_index("ix_installment_extension_installment", table_name="installment_extension", schema="ledger")
    op.drop_table("installment_extension", schema="ledger")
    op.drop_index("ix_plan_installment_plan", table_name="plan_installment", schema="ledger")
    op.drop_table("plan_installment", schema="ledger")
    op.drop_index(
        "uq_repayment_plan_active_item",
        table_name="repayment_plan",
        schema="ledger",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_repayment_plan_item", table_name="repayment_plan", schema="ledger")
    op.drop_table("repayment_plan", schema="ledger")
    op.drop_index("ix_weekly_update_week", table_name="weekly_update", schema="ledger")
    op.drop_table("weekly_update", schema="ledger")
    op.drop_index(
        "uq_red_flag_active_item_kind",
        table_name="red_flag",
        schema="ledger",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.drop_index(
        "ix_red_flag_kind_active",
        table_name="red_flag",
        schema="ledger",
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.drop_index("ix_red_flag_item", table_name="red_flag", schema="ledger")
    op.drop_table("red_flag", schema="ledger")
    op.drop_index(
        "uq_dispute_reclassification_pending_item",
        table_name="dispute_reclassification",
        schema="ledger",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index("ix_dispute_reclassification_item", table_name="dispute_reclassification", schema="ledger")
    op.drop_table("dispute_reclassification", schema="ledger")
