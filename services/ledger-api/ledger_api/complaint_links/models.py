"""Complaints about ledger debts, as ledger-api knows them (complaint-api owns the complaints).

``complaint_match`` is one row per complaint: the outcome of matching it (the idempotency key of
the service route is the complaint id, so two complaint-api replicas, or a retry after a lost
answer, find the first outcome instead of matching twice). ``complaint_item_link`` is the
complaint on each matched item: the item page lists it, and the "complained about under a
repayment agreement" red flag reads its ``plan_id`` (the mark: the item's active plan when the
complaint came). A table rather than the audit trail alone, because both are queries (a unique
pair, an index on the item) that an audit trail answers only by parsing JSON; the link also lands
on the item's timeline through the audit trail, like every change to an item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base

MATCH_OUTCOMES = {"matched": "已匹配台账", "unmatched": "台账中无此欠款"}


class ComplaintMatch(Base):
    __tablename__ = "complaint_match"
    __table_args__ = (CheckConstraint("outcome IN ('matched', 'unmatched')", name="outcome_known"),)

    complaint_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(32), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    matched_by: Mapped[str | None] = mapped_column(String(32))  # credit_codes | credit_codes_and_contract
    request: Mapped[dict] = mapped_column(JSONB, nullable=False)  # what complaint-api sent, as sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class ComplaintItemLink(Base):
    __tablename__ = "complaint_item_link"
    __table_args__ = (
        Index("ix_complaint_item_link_item", "item_id", "created_at"),
        Index("ix_complaint_item_link_plan", "item_id", postgresql_where=text("plan_id IS NOT NULL")),
    )

    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint_match.complaint_id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(32), nullable=False)
    # The item's active repayment plan when the complaint came: the complaint says the agreement
    # is not honoured (the flag "complained_under_agreement" reads this).
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("repayment_plan.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
