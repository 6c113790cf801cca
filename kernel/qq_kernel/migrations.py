"""Alembic helpers shared by the three services.

Each service keeps its own Alembic tree (``<pkg>/migrations``) and its own version table inside
its own schema. ``env.py`` of every service is two lines that call :func:`run_env`.
Migrations run as the service's *owner* role; the runtime role never has DDL rights.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from qq_kernel.db import asyncpg_url

VERSION_TABLE = "alembic_version"


def make_config(migrations_dir: Path, url: str, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    # YYYY-MM-DD_slug.py, as the project's habit asks.
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "40")
    cfg.attributes["url"] = url
    cfg.attributes["schema"] = schema
    return cfg


def _compare_options(schema: str) -> dict:
    """How autogenerate compares: only this service's schema (the owner role's default schema is
    public, see qqctl/provision.py), never Alembic's own table, column types too."""

    def include_name(name, type_, parent_names) -> bool:
        if type_ == "schema":
            return name == schema
        return not (type_ == "table" and name == VERSION_TABLE)

    return {"include_schemas": True, "include_name": include_name, "compare_type": True}


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``env.py`` (async engine, ``connection.run_sync``)."""
    cfg = context.config
    url = (
        cfg.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or cfg.get_main_option("sqlalchemy.url")
    )
    schema = cfg.attributes.get("schema") or target_metadata.schema

    def do_run(connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            **_compare_options(schema),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            # Migrations name their schema explicitly; the search path only finds extensions
            # (pg_trgm's operator classes). Keeping the service schema out of it makes reflection
            # report schema-qualified foreign keys, so autogenerate compares like with like.
            await connection.execute(text("SET search_path TO extensions, public"))
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, version_table_schema=schema, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())


async def schema_drift(target_metadata: MetaData, url: str, schema: str) -> list:
    """What autogenerate would write for a database at the head: [] when the models and the
    migrations agree (expression indexes are outside its reach; Alembic skips them both sides)."""
    from alembic.autogenerate import compare_metadata

    engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SET search_path TO extensions, public"))

            def compare(sync_conn) -> list:
                ctx = MigrationContext.configure(
                    sync_conn, opts={"target_metadata": target_metadata, **_compare_options(schema)}
                )
                return compare_metadata(ctx, target_metadata)

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def _in_thread(fn, *args) -> None:
    """Alembic's async env calls asyncio.run(); keep it off any running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(*args)
        return
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool_:
        pool_.submit(fn, *args).result()


def upgrade(migrations_dir: Path, url: str, schema: str, revision: str = "head") -> None:
    _in_thread(command.upgrade, make_config(migrations_dir, url, schema), revision)


def downgrade(migrations_dir: Path, url: str, schema: str, revision: str = "base") -> None:
    _in_thread(command.downgrade, make_config(migrations_dir, url, schema), revision)


def head_revisions(migrations_dir: Path) -> set[str]:
    script = ScriptDirectory(str(migrations_dir))
    return set(script.get_heads())


async def current_revisions(engine: AsyncEngine, schema: str) -> set[str]:
    async with engine.connect() as conn:

        def _read(sync_conn) -> set[str]:
            ctx = MigrationContext.configure(sync_conn, opts={"version_table_schema": schema})
            return set(ctx.get_current_heads())

        return await conn.run_sync(_read)


def migrations_dir_of(package_file: str) -> Path:
    return Path(package_file).resolve().parent / "migrations"


def create_audit_log(schema: str) -> None:
    """The ``initial_audit_log`` migration of every service: the append-only audit trail of
    :class:`qq_kernel.audit.AuditMixin` in ``schema``. A migration's ``upgrade()`` calls it."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    from qq_kernel.audit import append_only_sql

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
        schema=schema,
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], schema=schema)
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"], schema=schema)
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"], schema=schema)
    op.create_index("ix_audit_log_region_path", "audit_log", ["region_path"], schema=schema)
    for statement in append_only_sql(schema):
        op.execute(statement)


def add_hash_chain(schema: str, table: str) -> None:
    """Add the hash chain of :mod:`qq_kernel.audit` to an existing append-only table (every
    service's ``audit_log``; ledger-api's ``login_event``), chaining the rows it holds, and make
    the table append-only if it is not yet (revoke UPDATE/DELETE/TRUNCATE, refusing trigger)."""
    import sqlalchemy as sa
    from alembic import op

    from qq_kernel.audit import append_only_sql, chain_existing_rows_sql, chain_sql, row_hash_function_sql

    for column, type_ in (("chain_seq", sa.BigInteger()), ("prev_hash", sa.String(64)), ("row_hash", sa.String(64))):
        op.add_column(table, sa.Column(column, type_, nullable=True), schema=schema)
    has_guard = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_trigger WHERE tgname = :name AND tgrelid = to_regclass(:fq)"),
        {"name": f"{table}_append_only", "fq": f'"{schema}"."{table}"'},
    ).first()
    op.execute(row_hash_function_sql(schema, table))
    if has_guard:
        op.execute(f'ALTER TABLE "{schema}"."{table}" DISABLE TRIGGER {table}_append_only')
    op.execute(chain_existing_rows_sql(schema, table))
    if has_guard:
        op.execute(f'ALTER TABLE "{schema}"."{table}" ENABLE TRIGGER {table}_append_only')
    else:
        for statement in append_only_sql(schema, table):
            op.execute(statement)
    for column in ("chain_seq", "prev_hash", "row_hash"):
        op.alter_column(table, column, nullable=False, schema=schema)
    op.create_index(f"ix_{table}_chain_seq", table, ["chain_seq"], unique=True, schema=schema)
    for statement in chain_sql(schema, table):
        op.execute(statement)


def drop_hash_chain(schema: str, table: str, *, drop_append_only: bool = False) -> None:
    from alembic import op

    from qq_kernel.audit import drop_append_only_sql, drop_chain_sql

    for statement in drop_chain_sql(schema, table):
        op.execute(statement)
    if drop_append_only:
        for statement in drop_append_only_sql(schema, table):
            op.execute(statement)
    op.drop_index(f"ix_{table}_chain_seq", table_name=table, schema=schema)
    for column in ("row_hash", "prev_hash", "chain_seq"):
        op.drop_column(table, column, schema=schema)


def drop_audit_log(schema: str) -> None:
    from alembic import op

    from qq_kernel.audit import drop_append_only_sql

    for statement in drop_append_only_sql(schema):
        op.execute(statement)
    op.drop_table("audit_log", schema=schema)
