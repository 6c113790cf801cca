from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import new_id


class KeyCase(Base):
    """重点督办: an item the office follows personally, with a supervisor and a deadline."""

    __tablename__ = "key_case"
    __table_args__ = (
        Index("ix_key_case_item", "item_id"),
        # At most one open key case per item.
        Index("uq_key_case_open_item", "item_id", unique=True, postgresql_where="closed_at IS NULL"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    marked_by: Mapped[str] = mapped_column(String(36), nullable=False)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(36))
    close_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Interview(Base):
    """约谈 record: when, who, what came of it."""

    __tablename__ = "interview"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    location: Mapped[str | None] = mapped_column(String(200))
    interviewers: Mapped[str] = mapped_column(String(500), nullable=False)
    interviewees: Mapped[str] = mapped_column(String(500), nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    follow_up_deadline: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(36), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class SupervisionNotice(Base):
    """督办书: numbered per region and year; the document is rendered from the snapshot taken at
    issue time, so a re-download is the same notice even after the item moved on."""

    __tablename__ = "supervision_notice"
    __table_args__ = (UniqueConstraint("region_code", "year", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(12), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    notice_no: Mapped[str] = mapped_column(String(64), nullable=False)
    to_unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), nullable=False)
    requirements: Mapped[str] = mapped_column(Text, nullable=False)
    reply_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    snapshot: Mapped[dict] = mapped_column(JSONB, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(36), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
