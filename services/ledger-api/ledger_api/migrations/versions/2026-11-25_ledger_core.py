"""Ledger core: debtors, creditors, arrears items, funding lines, repayments, evidence, adjustments.

Revision ID: ledger_0003
Revises: ledger_0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0003"
down_revision: str | None = "ledger_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "creditor",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("contact_person", sa.String(length=64), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creditor")),
        sa.UniqueConstraint("uscc", name=op.f("uq_creditor_uscc")),
        schema="ledger",
    )
    op.create_index(
        "ix_creditor_name_trgm",
        "creditor",
        ["name"],
        unique=False,
        schema="ledger",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index("ix_creditor_region_path", "creditor", ["region_path"], unique=False, schema="ledger")
    op.create_table(
        "ledger_sequence",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", name=op.f("pk_ledger_sequence")),
        schema="ledger",
    )
    op.create_table(
        "debtor",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("supervising_unit_id", sa.String(length=36), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervising_unit_id"], ["ledger.unit.id"], name=op.f("fk_debtor_supervising_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor")),
        sa.UniqueConstraint("uscc", name=op.f("uq_debtor_uscc")),
        schema="ledger",
    )
    op.create_index(
        "ix_debtor_name_trgm",
        "debtor",
        ["name"],
        unique=False,
        schema="ledger",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index("ix_debtor_region_path", "debtor", ["region_path"], unique=False, schema="ledger")
    op.create_index(
        op.f("ix_ledger_debtor_supervising_unit_id"), "debtor", ["supervising_unit_id"], unique=False, schema="ledger"
    )
    op.create_table(
        "arrears_item",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ledger_no", sa.String(length=32), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("debtor_id", sa.String(length=36), nullable=False),
        sa.Column("creditor_id", sa.String(length=36), nullable=False),
        sa.Column("contract_name", sa.String(length=300), nullable=False),
        sa.Column("procurement_type", sa.String(length=16), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("verified_repaid", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("adjustments_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("outstanding", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("acceptance_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("agreed_daily_rate", sa.Numeric(precision=10, scale=8), nullable=True),
        sa.Column("responsible_unit_id", sa.String(length=36), nullable=False),
        sa.Column("responsible_person_id", sa.String(length=36), nullable=True),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("dispute_route", sa.String(length=16), nullable=True),
        sa.Column("court_case_no", sa.String(length=64), nullable=True),
        sa.Column("resolution_measures", sa.Text(), nullable=True),
        sa.Column("planned_clearance_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=True),
        sa.Column("written_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("written_off_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status <> 'void' OR void_reason IS NOT NULL", name=op.f("ck_arrears_item_void_has_reason")),
        sa.CheckConstraint(
            "status <> 'written_off' OR outstanding = 0", name=op.f("ck_arrears_item_written_off_means_zero")
        ),
        sa.CheckConstraint(
            "outstanding = principal - verified_repaid + adjustments_total",
            name=op.f("ck_arrears_item_outstanding_reconciles"),
        ),
        sa.CheckConstraint("outstanding >= 0", name=op.f("ck_arrears_item_outstanding_not_negative")),
        sa.CheckConstraint("principal > 0", name=op.f("ck_arrears_item_principal_positive")),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["ledger.creditor.id"], name=op.f("fk_arrears_item_creditor_id_creditor")
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["ledger.debtor.id"], name=op.f("fk_arrears_item_debtor_id_debtor")),
        sa.ForeignKeyConstraint(
            ["responsible_person_id"],
            ["ledger.user_account.id"],
            name=op.f("fk_arrears_item_responsible_person_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["ledger.unit.id"], name=op.f("fk_arrears_item_responsible_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrears_item")),
        sa.UniqueConstraint("ledger_no", name=op.f("uq_arrears_item_ledger_no")),
        schema="ledger",
    )
    op.create_index("ix_arrears_item_created", "arrears_item", ["created_at", "id"], unique=False, schema="ledger")
    op.create_index("ix_arrears_item_creditor", "arrears_item", ["creditor_id"], unique=False, schema="ledger")
    op.create_index("ix_arrears_item_debtor", "arrears_item", ["debtor_id"], unique=False, schema="ledger")
    op.create_index(
        "ix_arrears_item_region_status", "arrears_item", ["region_path", "status"], unique=False, schema="ledger"
    )
    op.create_index(
        "ix_arrears_item_unit_status", "arrears_item", ["responsible_unit_id", "status"], unique=False, schema="ledger"
    )
    op.create_table(
        "adjustment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_adjustment_item_id_arrears_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment")),
        schema="ledger",
    )
    op.create_index(op.f("ix_ledger_adjustment_item_id"), "adjustment", ["item_id"], unique=False, schema="ledger")
    op.create_table(
        "funding_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("expected_arrival_date", sa.Date(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_funding_line_item_id_arrears_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_line")),
        schema="ledger",
    )
    op.create_index(op.f("ix_ledger_funding_line_item_id"), "funding_line", ["item_id"], unique=False, schema="ledger")
    op.create_table(
        "repayment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("reverses_id", sa.String(length=36), nullable=True),
        sa.Column("reported_by", sa.String(length=36), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("verified_by", sa.String(length=36), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(amount > 0) = (reverses_id IS NULL)", name=op.f("ck_repayment_only_reversals_negative")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_repayment_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_repayment_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["ledger.repayment.id"], name=op.f("fk_repayment_reverses_id_repayment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayment")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_repayment_reverses_id")),
        schema="ledger",
    )
    op.create_index(op.f("ix_ledger_repayment_item_id"), "repayment", ["item_id"], unique=False, schema="ledger")
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("repayment_id", sa.String(length=36), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=36), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger.arrears_item.id"], name=op.f("fk_evidence_file_item_id_arrears_item")
        ),
        sa.ForeignKeyConstraint(
            ["repayment_id"], ["ledger.repayment.id"], name=op.f("fk_evidence_file_repayment_id_repayment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
        schema="ledger",
    )
    op.create_index(
        op.f("ix_ledger_evidence_file_item_id"), "evidence_file", ["item_id"], unique=False, schema="ledger"
    )
    op.create_index(
        op.f("ix_ledger_evidence_file_repayment_id"), "evidence_file", ["repayment_id"], unique=False, schema="ledger"
    )
    op.create_table(
        "evidence_blob",
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["ledger.evidence_file.id"], name=op.f("fk_evidence_blob_file_id_evidence_file")
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_evidence_blob")),
        schema="ledger",
    )


def downgrade() -> None:

    op.drop_table("evidence_blob", schema="ledger")
    op.drop_index(op.f("ix_ledger_evidence_file_repayment_id"), table_name="evidence_file", schema="ledger")
    op.drop_index(op.f("ix_ledger_evidence_file_item_id"), table_name="evidence_file", schema="ledger")
    op.drop_table("evidence_file", schema="ledger")
    op.drop_index(op.f("ix_ledger_repayment_item_id"), table_name="repayment", schema="ledger")
    op.drop_table("repayment", schema="ledger")
    op.drop_index(op.f("ix_ledger_funding_line_item_id"), table_name="funding_line", schema="ledger")
    op.drop_table("funding_line", schema="ledger")
    op.drop_index(op.f("ix_ledger_adjustment_item_id"), table_name="adjustment", schema="ledger")
    op.drop_table("adjustment", schema="ledger")
    op.drop_index("ix_arrears_item_unit_status", table_name="arrears_item", schema="ledger")
    op.drop_index("ix_arrears_item_region_status", table_name="arrears_item", schema="ledger")
    op.drop_index("ix_arrears_item_debtor", table_name="arrears_item", schema="ledger")
    op.drop_index("ix_arrears_item_creditor", table_name="arrears_item", schema="ledger")
    op.drop_index("ix_arrears_item_created", table_name="arrears_item", schema="ledger")
    op.drop_table("arrears_item", schema="ledger")
    op.drop_index(op.f("ix_ledger_debtor_supervising_unit_id"), table_name="debtor", schema="ledger")
    op.drop_index("ix_debtor_region_path", table_name="debtor", schema="ledger")
    op.drop_index(
        "ix_debtor_name_trgm",
        table_name="debtor",
        schema="ledger",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("debtor", schema="ledger")
    op.drop_table("ledger_sequence", schema="ledger")
    op.drop_index("ix_creditor_region_path", table_name="creditor", schema="ledger")
    op.drop_index(
        "ix_creditor_name_trgm",
        table_name="creditor",
        schema="ledger",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("creditor", schema="ledger")
