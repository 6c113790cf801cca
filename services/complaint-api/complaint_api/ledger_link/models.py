"""The complaint's link to the ledger, as ledger-api answered it: the matched items (a snapshot
shown on the complaint) or the off-ledger candidate proposed for it. One row per complaint,
written in the relay's transaction that marks the link event delivered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from complaint_api.db import Base

LINK_OUTCOMES = {"matched": "已关联台账", "candidate": "已提交为台账外欠款"}


class LedgerLink(Base):
    __tablename__ = "ledger_link"
    __table_args__ = (
        CheckConstraint("outcome IN ('matched', 'candidate')", name="outcome_known"),
        CheckConstraint("(outcome = 'candidate') = (candidate_id IS NOT NULL)", name="candidate_has_id"),
    )

    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    matched_by: Mapped[str | None] = mapped_column(String(32))
    # [{item_id, ledger_no, debtor_name, creditor_name, contract_name, principal, outstanding,
    #   status, under_agreement}] as ledger-api answered (money as strings).
    items: Mapped[list] = mapped_column(JSONB, nullable=False)
    candidate_id: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
