"""Complaints: the complaint, its timeline, evidence files, extension requests, supervision notices.

Revision ID: complaint_0002
Revises: complaint_0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "complaint_0002"
down_revision: str | None = "complaint_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"
NOW = sa.text("now()")


def upgrade() -> None:
    # Complaint numbers (TS-2026-0000001): one sequence, no hot counter row under concurrent intake.
    op.execute(f'CREATE SEQUENCE "{SCHEMA}".complaint_no_seq')
    op.create_table(
        "complaint",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("complaint_no", sa.String(32), nullable=False),
        sa.Column("region_path", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("integration_account_id", sa.String(36)),
        sa.Column("platform_complaint_id", sa.String(64)),
        sa.Column("intake_payload", postgresql.JSONB()),
        sa.Column("complainant_name", sa.String(200), nullable=False),
        sa.Column("complainant_uscc", sa.String(18), nullable=False),
        sa.Column("complainant_size", sa.String(16), nullable=False),
        sa.Column("contact_person", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(32), nullable=False),
        sa.Column("respondent_name", sa.String(200), nullable=False),
        sa.Column("respondent_uscc", sa.String(18)),
        sa.Column("respondent_kind", sa.String(32), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("contract_name", sa.String(300), nullable=False),
        sa.Column("contract_no", sa.String(100)),
        sa.Column("procurement_type", sa.String(16), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("pledge_no_other_proceedings", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("registered_by", sa.String(36), nullable=False),
        sa.Column("accepted_on", sa.Date()),
        sa.Column("not_accepted_reason", sa.String(32)),
        sa.Column("not_accepted_explanation", sa.Text()),
        sa.Column("handling_unit_id", sa.String(36)),
        sa.Column("assigned_on", sa.Date()),
        sa.Column("transfer_due", sa.Date()),
        sa.Column("transfer_due_provisional", sa.Boolean(), nullable=False),
        sa.Column("result_due", sa.Date()),
        sa.Column("result_due_provisional", sa.Boolean(), nullable=False),
        sa.Column("result_period_start", sa.Date()),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.Date()),
        sa.Column("next_due_provisional", sa.Boolean(), nullable=False),
        sa.Column("replied_on", sa.Date()),
        sa.Column("reply_text", sa.Text()),
        sa.Column("satisfaction", sa.String(24)),
        sa.Column("closed_on", sa.Date()),
        sa.Column("urge_count", sa.Integer(), nullable=False),
        sa.Column("supervision_count", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("integration_account_id", "platform_complaint_id", name="uq_complaint_intake"),
        sa.UniqueConstraint("complaint_no", name=op.f("uq_complaint_complaint_no")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_complaint_amount_positive")),
        sa.CheckConstraint("pledge_no_other_proceedings", name=op.f("ck_complaint_pledge_given")),
        sa.CheckConstraint(
            "(source = 'platform') = (platform_complaint_id IS NOT NULL AND integration_account_id IS NOT NULL)",
            name=op.f("ck_complaint_platform_source_has_ids"),
        ),
        sa.CheckConstraint(
            "status <> 'not_accepted' OR not_accepted_reason IS NOT NULL",
            name=op.f("ck_complaint_not_accepted_has_reason"),
        ),
        sa.CheckConstraint("extension_days >= 0", name=op.f("ck_complaint_extension_not_negative")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_complaint_unit_due",
        "complaint",
        ["handling_unit_id", "next_due", "id"],
        schema=SCHEMA,
        postgresql_include=["status"],
        postgresql_where=sa.text("next_due IS NOT NULL"),
    )
    op.create_index(
        "ix_complaint_due",
        "complaint",
        ["next_due", "id"],
        schema=SCHEMA,
        postgresql_include=["region_path", "status", "handling_unit_id"],
        postgresql_where=sa.text("next_due IS NOT NULL"),
    )
    op.create_index(
        "ix_complaint_status_received",
        "complaint",
        ["status", "received_at", "id"],
        schema=SCHEMA,
        postgresql_include=["region_path", "handling_unit_id"],
    )
    op.create_index(
        "ix_complaint_unit_received", "complaint", ["handling_unit_id", "status", "received_at", "id"], schema=SCHEMA
    )
    op.create_index(
        "ix_complaint_region_path",
        "complaint",
        ["region_path"],
        schema=SCHEMA,
        postgresql_ops={"region_path": "text_pattern_ops"},
    )
    op.create_index("ix_complaint_received_at", "complaint", ["received_at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_complaint_provisional",
        "complaint",
        ["id"],
        schema=SCHEMA,
        postgresql_where=sa.text("transfer_due_provisional OR result_due_provisional"),
    )
    op.create_index("ix_complaint_respondent_uscc", "complaint", ["respondent_uscc"], schema=SCHEMA)
    op.create_index("ix_complaint_complainant_uscc", "complaint", ["complainant_uscc"], schema=SCHEMA)

    op.create_table(
        "complaint_event",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24)),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("actor_name", sa.String(128)),
        sa.Column("actor_unit_id", sa.String(36)),
        sa.Column("note", sa.Text()),
        sa.Column("data", postgresql.JSONB()),
        sa.ForeignKeyConstraint(
            ["complaint_id"], [f"{SCHEMA}.complaint.id"], name=op.f("fk_complaint_event_complaint_id_complaint")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
        schema=SCHEMA,
    )
    op.create_index("ix_complaint_event_complaint", "complaint_event", ["complaint_id", "id"], schema=SCHEMA)

    op.create_table(
        "complaint_file",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(36), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], [f"{SCHEMA}.complaint.id"], name=op.f("fk_complaint_file_complaint_id_complaint")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_file")),
        schema=SCHEMA,
    )
    op.create_index("ix_complaint_file_complaint", "complaint_file", ["complaint_id", "uploaded_at"], schema=SCHEMA)
    op.create_table(
        "complaint_file_blob",
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], [f"{SCHEMA}.complaint_file.id"], name=op.f("fk_complaint_file_blob_file_id_complaint_file")
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_complaint_file_blob")),
        schema=SCHEMA,
    )

    op.create_table(
        "extension_request",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("decided_by", sa.String(36)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decision_note", sa.Text()),
        sa.CheckConstraint("days > 0", name=op.f("ck_extension_request_days_positive")),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by <> requested_by", name=op.f("ck_extension_request_four_eyes")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], [f"{SCHEMA}.complaint.id"], name=op.f("fk_extension_request_complaint_id_complaint")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_request")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_extension_request_complaint_id"), "extension_request", ["complaint_id"], schema=SCHEMA)
    op.create_index(
        "uq_extension_request_pending",
        "extension_request",
        ["complaint_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "supervision_notice",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("notice_no", sa.String(64), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(), nullable=False),
        sa.Column("issued_by", sa.String(36), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], [f"{SCHEMA}.complaint.id"], name=op.f("fk_supervision_notice_complaint_id_complaint")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notice")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_supervision_notice_notice_no")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_supervision_notice_complaint_id"), "supervision_notice", ["complaint_id"], schema=SCHEMA)
    # The timeline is append-only for the runtime role, like the audit trail.
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                   WHERE table_schema = '{SCHEMA}' AND table_name = 'complaint_event' AND grantee <> current_user
          LOOP
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON "{SCHEMA}".complaint_event FROM %I', r.grantee);
          END LOOP;
        END $$;
        """
    )


def downgrade() -> None:
    for table in (
        "supervision_notice",
        "extension_request",
        "complaint_file_blob",
        "complaint_file",
        "complaint_event",
        "complaint",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f'DROP SEQUENCE "{SCHEMA}".complaint_no_seq')
