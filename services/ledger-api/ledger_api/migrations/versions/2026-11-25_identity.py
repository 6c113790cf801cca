"""Identity: organisation tree, users, sessions, signing keys, API tokens, login log.

Revision ID: ledger_0002
Revises: ledger_0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ledger_0002"
down_revision: str | None = "ledger_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "login_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("region_path", sa.String(length=255), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_event")),
        schema="ledger",
    )
    op.create_index("ix_login_event_ip_time", "login_event", ["ip", "occurred_at"], unique=False, schema="ledger")
    op.create_index(
        "ix_login_event_region_time", "login_event", ["region_path", "occurred_at"], unique=False, schema="ledger"
    )
    op.create_index(
        "ix_login_event_user_time", "login_event", ["user_id", "occurred_at"], unique=False, schema="ledger"
    )
    op.create_table(
        "region",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["ledger.region.id"], name=op.f("fk_region_parent_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region")),
        sa.UniqueConstraint("code", name=op.f("uq_region_code")),
        sa.UniqueConstraint("path", name=op.f("uq_region_path")),
        schema="ledger",
    )
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("private_pem_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("signing_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_key")),
        schema="ledger",
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("region_id", sa.String(length=36), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("is_office", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["ledger.region.id"], name=op.f("fk_unit_region_id_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        schema="ledger",
    )
    op.create_index("ix_unit_region_path", "unit", ["region_path"], unique=False, schema="ledger")
    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("roles", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["ledger.unit.id"], name=op.f("fk_user_account_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
        schema="ledger",
    )
    op.create_index("ix_user_account_region_path", "user_account", ["region_path"], unique=False, schema="ledger")
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ledger.user_account.id"], name=op.f("fk_api_token_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        schema="ledger",
    )
    op.create_index("ix_api_token_region_path", "api_token", ["region_path"], unique=False, schema="ledger")
    op.create_index(op.f("ix_ledger_api_token_owner_id"), "api_token", ["owner_id"], unique=False, schema="ledger")
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=32), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["ledger.user_account.id"], name=op.f("fk_auth_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        schema="ledger",
    )
    op.create_index(op.f("ix_ledger_auth_session_user_id"), "auth_session", ["user_id"], unique=False, schema="ledger")
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["ledger.auth_session.id"], name=op.f("fk_refresh_token_session_id_auth_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
        schema="ledger",
    )
    op.create_index(
        op.f("ix_ledger_refresh_token_session_id"), "refresh_token", ["session_id"], unique=False, schema="ledger"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_refresh_token_session_id"), table_name="refresh_token", schema="ledger")
    op.drop_table("refresh_token", schema="ledger")
    op.drop_index(op.f("ix_ledger_auth_session_user_id"), table_name="auth_session", schema="ledger")
    op.drop_table("auth_session", schema="ledger")
    op.drop_index(op.f("ix_ledger_api_token_owner_id"), table_name="api_token", schema="ledger")
    op.drop_index("ix_api_token_region_path", table_name="api_token", schema="ledger")
    op.drop_table("api_token", schema="ledger")
    op.drop_index("ix_user_account_region_path", table_name="user_account", schema="ledger")
    op.drop_table("user_account", schema="ledger")
    op.drop_index("ix_unit_region_path", table_name="unit", schema="ledger")
    op.drop_table("unit", schema="ledger")
    op.drop_table("signing_key", schema="ledger")
    op.drop_table("region", schema="ledger")
    op.drop_index("ix_login_event_user_time", table_name="login_event", schema="ledger")
    op.drop_index("ix_login_event_region_time", table_name="login_event", schema="ledger")
    op.drop_index("ix_login_event_ip_time", table_name="login_event", schema="ledger")
    op.drop_table("login_event", schema="ledger")
