"""Complaint files: the same bytes once per complaint and purpose (unique index), so concurrent
uploads of one file end with one record (INSERT … ON CONFLICT DO NOTHING).

Revision ID: complaint_file_0001
Revises: complaint_0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "complaint_file_0001"
down_revision: str | None = "complaint_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "complaint"


def upgrade() -> None:
    op.create_index(
        "uq_complaint_file_content", "complaint_file", ["complaint_id", "purpose", "sha256"], unique=True, schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("uq_complaint_file_content", table_name="complaint_file", schema=SCHEMA)
