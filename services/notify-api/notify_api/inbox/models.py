"""The in-app inbox: one notification per event and recipient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from notify_api.db import Base


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        # An event reaches a person once, however often it is fanned out again.
        UniqueConstraint("event_id", "user_id", name="uq_notification_event_user"),
        Index("ix_notification_user", "user_id", "id"),
        Index("ix_notification_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(String(2000), nullable=False)
    # Where the notification opens in the SPA (the item or the complaint).
    link: Mapped[str | None] = mapped_column(String(300))
    item_id: Mapped[str | None] = mapped_column(String(36))
    complaint_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
