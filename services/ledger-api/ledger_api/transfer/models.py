"""Excel import jobs and the idempotency keys of the bulk API.

An upload is kept in the database (PostgreSQL is the only stateful dependency) until its job is
done; the job row is the queue a worker in any replica claims with SKIP LOCKED (service.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import Timestamps, new_id

IMPORT_STATUSES = {
    "queued": "排队校验中",
    "validating": "校验中",
    "validated": "校验完成，待确认",
    "invalid": "校验未通过",
    "confirmed": "已确认，排队写入",
    "writing": "写入中",
    "done": "已完成",
    "failed": "失败",
}
IMPORT_MODES = {"all_or_nothing": "全部有效才导入", "valid_rows": "只导入有效行"}


class ImportJob(Timestamps, Base):
    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_status", "status", "updated_at"), Index("ix_import_job_owner", "owner_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(64), nullable=False)  # Principal.subject
    owner_name: Mapped[str] = mapped_column(String(128), nullable=False)
    # The uploader's principal (roles, unit, region): the worker validates and writes in its scope.
    principal: Mapped[dict] = mapped_column(JSONB, nullable=False)
    unit_id: Mapped[str | None] = mapped_column(String(36))
    region_path: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # emptied once the job is done
    mode: Mapped[str] = mapped_column(String(16), nullable=False, default="all_or_nothing")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_validated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # {"create": n, "update": n, "unchanged": n, "error": n} of the dry run, then of the write
    counts: Mapped[dict | None] = mapped_column(JSONB)
    # The dry run: rows with their outcome, per-field differences and per-cell errors (capped)
    preview: Mapped[list | None] = mapped_column(JSONB)
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """One bulk request's key and its first answer. The row is inserted in the transaction that
    applies the request, so a racing retry waits on it and then reads the answer."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("owner_id", "key", name="uq_idempotency_key_owner_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(64), nullable=False)
    request_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # JSON, not JSONB: a replay answers with the very bytes of the first answer (key order kept)
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
