"""Pre-aggregated ledger figures for reports and the dashboard, and the weekly snapshots.

The ``report_*_agg`` tables are *derived* data, written only by statement-level triggers on
``arrears_item`` and ``red_flag`` (migration ``2026-12-03_reports``) in the transaction that
changes the items: every writer (API, import, bulk, migrations, SQL by hand) keeps them right, and
a report never reads a figure the items do not add up to. Each row is one slice of the ledger
(the key) in one *shard*: the writing backend's ``pg_backend_pid() % SHARDS``, so concurrent
writers of the same slice update different rows instead of queueing on one (docs/architecture.md,
"Report aggregates"). Readers sum the shards.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, Numeric, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base

# Sums over a province: NUMERIC(20,2) leaves room above the items' NUMERIC(18,2).
TOTAL = Numeric(20, 2)
SHARDS = 4


class ItemAggregate(Base):
    """Count and money of the items of one (region, unit, debtor type, dispute, route, status)."""

    __tablename__ = "report_item_agg"

    region_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    debtor_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    disputed: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    dispute_route: Mapped[str] = mapped_column(String(16), primary_key=True)  # '' when none
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    item_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    principal: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    verified_repaid: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    adjustments_total: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    outstanding: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)


class DueMonthAggregate(Base):
    """Open items still owed (status open/resolving/claimed_cleared, outstanding > 0, a due date)
    by the month of their due date: the bulk of an ageing report, read whole months at a time."""

    __tablename__ = "report_due_month_agg"

    region_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    due_month: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    item_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    outstanding: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)


class DueDayAggregate(Base):
    """The same by due date: read only for the few months a bucket boundary cuts through."""

    __tablename__ = "report_due_day_agg"
    __table_args__ = (Index("ix_report_due_day_agg_due_date", "due_date"),)

    region_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    item_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    outstanding: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)


class FlagAggregate(Base):
    """Active red flags by (region, unit, kind)."""

    __tablename__ = "report_flag_agg"

    region_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    active: Mapped[int] = mapped_column(BigInteger, nullable=False)


class WeeklySnapshot(Base):
    """The ledger as it stood at the end of an ISO week (Sunday 24:00, China time), per (region,
    unit, debtor type). Computed from the ledger's own history (items entered, repayments verified
    and adjustments recorded before that moment, voids and write-offs by then), so a week can be
    (re)computed at any time with the same result. ``source``: ``job`` (the weekly job and its
    backfill) or ``manual`` (recomputed on request by the office)."""

    __tablename__ = "report_weekly_snapshot"
    __table_args__ = (Index("ix_report_weekly_snapshot_unit_week", "unit_id", "week_start"),)

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    region_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    debtor_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    principal: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    verified_repaid: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    adjustments_total: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    outstanding: Mapped[Decimal] = mapped_column(TOTAL, nullable=False)
    written_off_count: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # 按周更新 punctuality of that week: open items due an update, and how many got one.
    updates_due: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updates_filed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
