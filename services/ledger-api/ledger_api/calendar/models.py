"""The platform calendar (issue 10): the holiday schedules operators load, one row per year.

ledger-api owns them because every service already trusts it (it is the identity provider);
complaint-api and notify-api read them over HTTP (qq_kernel.calendar_source) and cache them for
at most a minute."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base


class CalendarYear(Base):
    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[str]] = mapped_column(JSONB, nullable=False)  # ISO dates, sorted
    workdays: Mapped[list[str]] = mapped_column(JSONB, nullable=False)  # 调休上班 weekend days
    notice: Mapped[str] = mapped_column(String(200), nullable=False)  # e.g. 国办发明电〔2026〕X号
    loaded_by: Mapped[str] = mapped_column(String(36), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
