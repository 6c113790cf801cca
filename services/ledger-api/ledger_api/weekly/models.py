"""Weekly updates (按周更新): one progress update per open item per ISO week."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import Timestamps, new_id
from ledger_api.ledger.models import MONEY


class WeeklyUpdate(Timestamps, Base):
    """周进展. ``week_start`` is the Monday of the ISO week, ``week`` its label (``2026-W48``)."""

    __tablename__ = "weekly_update"
    __table_args__ = (
        UniqueConstraint("item_id", "week_start"),
        CheckConstraint("paid_this_week >= 0", name="paid_not_negative"),
        CheckConstraint("extract(isodow from week_start) = 1", name="week_starts_monday"),
        Index("ix_weekly_update_week", "week_start"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    week_start: Mapped[date] = mapped_column(Date, nullable=False)
    week: Mapped[str] = mapped_column(String(8), nullable=False)
    progress: Mapped[str] = mapped_column(Text, nullable=False)
    paid_this_week: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    next_step: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
