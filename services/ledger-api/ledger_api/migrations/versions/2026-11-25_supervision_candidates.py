"""Supervision (key cases, interviews, notices) and off-ledger candidates.

Revision ID: ledger_0004
Revises: ledger_0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ledger_0004"
down_revision: str | None = "ledger_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "candidate_item",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("debtor_name", sa.String(length=200), nullable=False),
        sa.Column("debtor_uscc", sa.String(length=18), nullable=True),
        sa.Column("creditor_name", sa.String(length=200), nullable=False),
        sa.Column("creditor_uscc", sa.String(length=18), nullable=True),
        sa.Column("creditor_size", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("contract_name", sa.String(length=300), nullable=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_candidate_item_item_id_arrears_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_item")),
        sa.UniqueConstraint("source", "source_ref", name=op.f("uq_candidate_item_source_source_ref")),
        schema="ledger",
    )
    op.create_index(
        "ix_candidate_item_region_status", "candidate_item", ["region_path", "status"], unique=False, schema="ledger"
    )
    op.create_table(
        "interview",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("interviewers", sa.String(length=500), nullable=False),
        sa.Column("interviewees", sa.String(length=500), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("follow_up_deadline", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_interview_item_id_arrears_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview")),
        schema="ledger",
    )
    op.create_index(op.f("ix_ledger_interview_item_id"), "interview", ["item_id"], unique=False, schema="ledger")
    op.create_table(
        "key_case",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("supervisor_id", sa.String(length=36), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("marked_by", sa.String(length=36), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_key_case_item_id_arrears_item")),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["ledger.user_account.id"], name=op.f("fk_key_case_supervisor_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_case")),
        schema="ledger",
    )
    op.create_index("ix_key_case_item", "key_case", ["item_id"], unique=False, schema="ledger")
    op.create_index(
        "uq_key_case_open_item",
        "key_case",
        ["item_id"],
        unique=True,
        schema="ledger",
        postgresql_where="closed_at IS NULL",
    )
    op.create_table(
        "supervision_notice",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("notice_no", sa.String(length=64), nullable=False),
        sa.Column("to_unit_id", sa.String(length=36), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("reply_deadline", sa.Date(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("issued_by", sa.String(length=36), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_supervision_notice_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(["to_unit_id"], ["ledger.unit.id"], name=op.f("fk_supervision_notice_to_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notice")),
        sa.UniqueConstraint("region_code", "year", "seq", name=op.f("uq_supervision_notice_region_code_year_seq")),
        schema="ledger",
    )
    op.create_index(
        op.f("ix_ledger_supervision_notice_item_id"), "supervision_notice", ["item_id"], unique=False, schema="ledger"
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_ledger_supervision_notice_item_id"), table_name="supervision_notice", schema="ledger")
    op.drop_table("supervision_notice", schema="ledger")
    op.drop_index("uq_key_case_open_item", table_name="key_case", schema="ledger", postgresql_where="closed_at IS NULL")
    op.drop_index("ix_key_case_item", table_name="key_case", schema="ledger")
    op.drop_table("key_case", schema="ledger")
    op.drop_index(op.f("ix_ledger_interview_item_id"), table_name="interview", schema="ledger")
    op.drop_table("interview", schema="ledger")
    op.drop_index("ix_candidate_item_region_status", table_name="candidate_item", schema="ledger")
    op.drop_table("candidate_item", schema="ledger")
