"""The append-only audit trail each service keeps in its own schema.

Who, when, what, on which object, before and after, from which request and IP. The runtime
database role may only INSERT and SELECT here (the migration revokes the rest), and a trigger
refuses UPDATE/DELETE even from the owner, so an edit leaves a DDL trace first.
Secrets never reach a row: :func:`redact` strips them from before/after.

Each row is also chained to the previous one (per service and table): a BEFORE INSERT trigger
takes an advisory transaction lock (appends are serialised until commit), numbers the row
(``chain_seq``) and stores ``row_hash = sha256(canonical row incl. prev_hash)``. Someone who drops
the trigger and edits or removes rows breaks the chain, and :func:`verify_chain` names the first
broken link. The same chain protects ledger-api's login log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import BigInteger, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from qq_kernel.auth.principal import Principal
from qq_kernel.request_id import current_request_id

SECRET_KEYS = ("password", "secret", "token", "hash", "authorization")


def redact(value: Any) -> Any:
    """Copy of ``value`` with anything that looks like a credential replaced by ``***``."""
    if isinstance(value, dict):
        return {k: ("***" if any(s in k.lower() for s in SECRET_KEYS) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class AuditMixin:
    """Columns of ``audit_log``; each service's Base makes the table in its own schema."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    service: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[str] = mapped_column(String(16), nullable=False, default="success")
    actor_kind: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(128))
    actor_roles: Mapped[list[str] | None] = mapped_column(JSONB)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # Scope of the object, so auditors read only their region's trail.
    unit_id: Mapped[str | None] = mapped_column(String(64))
    region_path: Mapped[str | None] = mapped_column(String(255))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    detail: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class ChainMixin:
    """The hash-chain columns, for other append-only tables (ledger-api's login log); the
    trigger of :func:`chain_sql` fills them, never the application."""

    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)


def chain_index(table_name: str) -> Index:
    return Index(f"ix_{table_name}_chain_seq", "chain_seq", unique=True)


def audit_indexes(table_name: str = "audit_log") -> tuple:
    return (
        chain_index(table_name),
        Index(f"ix_{table_name}_occurred_at", "occurred_at"),
        Index(f"ix_{table_name}_object", "object_type", "object_id"),
        Index(f"ix_{table_name}_actor_id", "actor_id"),
        Index(f"ix_{table_name}_region_path", "region_path"),
    )


def client_ip(request: Request | None) -> str | None:
    if request is None:
        return None
    settings = getattr(request.app.state, "settings", None)
    if settings is not None and settings.trust_proxy_headers and request.headers.get("x-real-ip"):
        return request.headers["x-real-ip"][:64]
    return request.client.host if request.client else None


def audit_row(model: type, **kwargs):
    """An audit row (ORM object) for ``session.add``."""
    return model(**audit_values(**kwargs))


def audit_values(
    *,
    service: str,
    action: str,
    principal: Principal | None = None,
    request: Request | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    unit_id: str | None = None,
    region_path: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str | None = None,
    result: str = "success",
    actor_name: str | None = None,
):
    """The columns of an audit row, as a dict (bulk writers COPY many of them at once)."""
    return dict(
        service=service,
        action=action,
        result=result,
        actor_kind=principal.kind if principal else None,
        actor_id=principal.subject if principal else None,
        actor_name=(principal.username if principal else actor_name),
        actor_roles=sorted(principal.roles) if principal else None,
        object_type=object_type,
        object_id=object_id,
        unit_id=unit_id,
        region_path=region_path,
        before=redact(before) if before is not None else None,
        after=redact(after) if after is not None else None,
        detail=detail,
        request_id=current_request_id(),
        ip=client_ip(request),
        user_agent=(request.headers.get("user-agent", "")[:300] if request is not None else None),
    )


async def record(session: AsyncSession, model: type, **kwargs) -> None:
    """Add an audit row to the caller's transaction: it commits (or rolls back) with the change."""
    session.add(audit_row(model, **kwargs))


class AuditRecorder:
    """A service's audit trail: its ``audit_log`` model and its name, bound once
    (``AUDIT = AuditRecorder(AuditLog, SERVICE_NAME)``), so a write site names only what happened."""

    def __init__(self, model: type, service: str, *, also_chained: tuple[str, ...] = ()) -> None:
        self.model = model
        self.service = service
        # Other hash-chained tables of the service, verified with the audit trail (GET /audit/verify).
        self.chained_tables = (getattr(model, "__tablename__", "audit_log"), *also_chained)

    async def record(self, session: AsyncSession, *, action: str, **kwargs: Any) -> None:
        """Add a row (fields of :func:`audit_row`) to the caller's transaction."""
        session.add(audit_row(self.model, service=self.service, action=action, **kwargs))


def audit_log_model(base: type, name: str = "AuditLog") -> type:
    """The ``audit_log`` ORM class of a service whose declarative base is ``base``."""
    return type(name, (AuditMixin, base), {"__table_args__": audit_indexes(), "__module__": base.__module__})


def append_only_sql(schema: str, table: str = "audit_log") -> list[str]:
    """DDL a migration runs after creating an audit table."""
    fq = f'"{schema}"."{table}"'
    return [
        # Revoke from every role the default privileges granted, whatever its name.
        f"""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                   WHERE table_schema = '{schema}' AND table_name = '{table}' AND grantee <> current_user
          LOOP
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON {fq} FROM %I', r.grantee);
          END LOOP;
        END $$;
        """,
        f"""
        CREATE FUNCTION "{schema}".{table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$;
        """,
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {fq}
        FOR EACH ROW EXECUTE FUNCTION "{schema}".{table}_append_only();
        """,
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {fq}
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".{table}_append_only();
        """,
    ]


def drop_append_only_sql(schema: str, table: str = "audit_log") -> list[str]:
    return [f'DROP FUNCTION IF EXISTS "{schema}".{table}_append_only() CASCADE']


GENESIS_HASH = "0" * 64
# First key of the two-key advisory lock that serialises chain appends (the scheduler's one-key
# locks live in another key space).
CHAIN_LOCK_CLASS = 5_151_001


def _fq(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


def row_hash_function_sql(schema: str, table: str) -> str:
    """sha256 over the row as JSON without its own hash and without NULLs (so a nullable column
    added later does not change old rows' hashes), timestamps rendered in UTC whatever the
    session's time zone."""
    return f"""
    CREATE OR REPLACE FUNCTION "{schema}".{table}_row_hash(r {_fq(schema, table)}) RETURNS text
    LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
      SELECT encode(sha256(convert_to((jsonb_strip_nulls(to_jsonb(r) - 'row_hash'))::text, 'UTF8')), 'hex')
    $$
    """


def chain_sql(schema: str, table: str) -> list[str]:
    """DDL of the chain on an (empty or already chained) table: hash function and trigger."""
    fq = _fq(schema, table)
    return [
        row_hash_function_sql(schema, table),
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".{table}_chain() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE last_seq bigint; last_hash text;
        BEGIN
          -- Held until commit: the next append waits, then sees this row (READ COMMITTED).
          PERFORM pg_advisory_xact_lock({CHAIN_LOCK_CLASS}, hashtext('{schema}.{table}'));
          SELECT chain_seq, row_hash INTO last_seq, last_hash FROM {fq}
          WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
          NEW.chain_seq := coalesce(last_seq, 0) + 1;
          NEW.prev_hash := coalesce(last_hash, '{GENESIS_HASH}');
          NEW.row_hash := NULL;
          NEW.row_hash := "{schema}".{table}_row_hash(NEW);
          RETURN NEW;
        END $$
        """,
        f"""
        CREATE TRIGGER {table}_chain BEFORE INSERT ON {fq}
        FOR EACH ROW EXECUTE FUNCTION "{schema}".{table}_chain()
        """,
    ]


def chain_existing_rows_sql(schema: str, table: str) -> str:
    """Chain the rows a table already holds, in id order (run by the owner, with the
    append-only trigger disabled for the duration of the migration's transaction)."""
    fq = _fq(schema, table)
    return f"""
    DO $$
    DECLARE rec {fq}%ROWTYPE; h text := '{GENESIS_HASH}'; n bigint := 0;
    BEGIN
      FOR rec IN SELECT * FROM {fq} ORDER BY id LOOP
        n := n + 1;
        rec.chain_seq := n; rec.prev_hash := h; rec.row_hash := NULL;
        h := "{schema}".{table}_row_hash(rec);
        UPDATE {fq} SET chain_seq = n, prev_hash = rec.prev_hash, row_hash = h WHERE id = rec.id;
      END LOOP;
    END $$
    """


def drop_chain_sql(schema: str, table: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS {table}_chain ON {_fq(schema, table)}',
        f'DROP FUNCTION IF EXISTS "{schema}".{table}_chain()',
        f'DROP FUNCTION IF EXISTS "{schema}".{table}_row_hash({_fq(schema, table)})',
    ]


def verify_chain_sql(schema: str, table: str) -> str:
    fq = _fq(schema, table)
    return f"""
    WITH walk AS (
      SELECT t.id, t.chain_seq, t.prev_hash, t.row_hash,
             lag(t.chain_seq) OVER w AS before_seq, lag(t.row_hash) OVER w AS before_hash,
             "{schema}".{table}_row_hash(t) AS recomputed
      FROM {fq} t WINDOW w AS (ORDER BY t.chain_seq NULLS FIRST, t.id)
    ), judged AS (
      SELECT id, chain_seq, CASE
        WHEN chain_seq IS NULL OR row_hash IS NULL THEN 'unchained'
        WHEN chain_seq <> coalesce(before_seq, 0) + 1 THEN 'rows_missing_before'
        WHEN prev_hash IS DISTINCT FROM coalesce(before_hash, '{GENESIS_HASH}') THEN 'previous_row_changed'
        WHEN row_hash <> recomputed THEN 'row_changed'
      END AS reason
      FROM walk
    )
    SELECT (SELECT count(*) FROM {fq}) AS rows,
           (SELECT max(chain_seq) FROM {fq}) AS head_seq,
           (SELECT row_hash FROM {fq} ORDER BY chain_seq DESC NULLS LAST LIMIT 1) AS head_hash,
           b.id, b.chain_seq, b.reason
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT id, chain_seq, reason FROM judged WHERE reason IS NOT NULL
      ORDER BY chain_seq NULLS FIRST, id LIMIT 1
    ) b ON true
    """


async def verify_chain(connection: Any, schema: str, table: str) -> dict[str, Any]:
    """The chain of ``schema.table`` walked in order: its length, head, and the first broken
    link (``None`` when intact). ``connection`` is an AsyncSession or AsyncConnection."""
    from sqlalchemy import text

    row = (await connection.execute(text(verify_chain_sql(schema, table)))).one()
    broken = None if row.reason is None else {"id": row.id, "chain_seq": row.chain_seq, "reason": row.reason}
    return {
        "table": f"{schema}.{table}",
        "rows": row.rows,
        "intact": broken is None,
        "head_seq": row.head_seq,
        "head_hash": row.head_hash,
        "first_broken": broken,
    }
