"""Court stage on arrears items (recorded by the court enforcement bureau).

Revision ID: ledger_0006
Revises: ledger_0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0006"
down_revision: str | None = "ledger_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.add_column("arrears_item", sa.Column("court_stage", sa.String(length=16), nullable=True), schema="ledger")


def downgrade() -> None:

    op.drop_column("arrears_item", "court_stage", schema="ledger")
