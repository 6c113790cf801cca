"""Events received from the producers' outboxes, each stored once (idempotent on its id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notify_api.db import Base


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        # The fan-out's claim: events whose recipients are not resolved yet, oldest first.
        Index("ix_event_pending", "received_at", postgresql_where=text("fanned_out_at IS NULL")),
    )

    # The producer's outbox event id: a redelivered event hits this key and is not stored again.
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONB, nullable=False)
    # Set when its notifications were written (recipients resolved).
    fanned_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
