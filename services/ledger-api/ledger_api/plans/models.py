"""Repayment plans (还款计划): installments agreed with the debtor, and every extension of a due
date (延期) kept in its own table. A plan is never edited in place: a new plan supersedes the old
one, which stays (status ``superseded``) for the record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import new_id
from ledger_api.ledger.models import MONEY


class RepaymentPlan(Base):
    """还款计划 of one item. ``total`` equalled the item's outstanding amount when the plan was
    agreed; ``baseline_verified_repaid`` is what had been verified by then, so only repayments
    verified since count toward the installments."""

    __tablename__ = "repayment_plan"
    __table_args__ = (
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("status IN ('active', 'superseded')", name="status_known"),
        CheckConstraint("(status = 'superseded') = (superseded_at IS NOT NULL)", name="superseded_has_time"),
        Index("ix_repayment_plan_item", "item_id"),
        # At most one active plan per item.
        Index("uq_repayment_plan_active_item", "item_id", unique=True, postgresql_where=text("status = 'active'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    total: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    baseline_verified_repaid: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    agreement_evidence_id: Mapped[str | None] = mapped_column(ForeignKey("evidence_file.id"))
    note: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("repayment_plan.id"))
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Installment(Base):
    """分期: due date (moved only by a recorded extension) and amount."""

    __tablename__ = "plan_installment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("due_date >= original_due_date", name="only_postponed"),
        Index("ix_plan_installment_plan", "plan_id", "due_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("repayment_plan.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    original_due_date: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class InstallmentExtension(Base):
    """延期: one move of one installment's due date, with its reason, who and when. Never edited."""

    __tablename__ = "installment_extension"
    __table_args__ = (
        CheckConstraint("new_due_date > old_due_date", name="later_date"),
        Index("ix_installment_extension_item", "item_id"),
        Index("ix_installment_extension_installment", "installment_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    installment_id: Mapped[str] = mapped_column(ForeignKey("plan_installment.id"), nullable=False)
    plan_id: Mapped[str] = mapped_column(ForeignKey("repayment_plan.id"), nullable=False)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    old_due_date: Mapped[date] = mapped_column(Date, nullable=False)
    new_due_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    extended_by: Mapped[str] = mapped_column(String(36), nullable=False)
    extended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
