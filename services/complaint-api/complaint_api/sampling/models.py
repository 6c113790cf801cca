"""Revisit samples (回访复核抽查): each period an office draws a random share of the complaints
closed in its region for a second revisit. The draw is kept whole — the population as it stood
(sorted ids and their SHA-256), the seed, the share and the sample — so anyone can redraw it and
get the same sample (:func:`complaint_api.sampling.service.draw_sample`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from complaint_api.db import Base
from qq_kernel.ids import new_id


class RevisitSample(Base):
    __tablename__ = "revisit_sample"
    __table_args__ = (
        # One draw per office region and period: drawing again until the sample suits is not possible.
        UniqueConstraint("region_path", "period_start", "period_end", name="uq_revisit_sample_region_period"),
        CheckConstraint("share > 0 AND share <= 1", name="share_range"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    share: Mapped[Decimal] = mapped_column(Numeric(5, 4), nullable=False)
    seed: Mapped[str] = mapped_column(String(32), nullable=False)  # hex, 128 bits
    algorithm: Mapped[str] = mapped_column(String(64), nullable=False)
    population: Mapped[list] = mapped_column(JSONB, nullable=False)  # sorted complaint ids
    population_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    sample: Mapped[list] = mapped_column(JSONB, nullable=False)  # complaint ids, in draw order
    drawn_by: Mapped[str] = mapped_column(String(64), nullable=False)
    drawn_by_name: Mapped[str] = mapped_column(String(128), nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
