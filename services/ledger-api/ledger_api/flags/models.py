"""Red flags (预警), computed by the system, and the dispute reclassification requests one of them
watches. A flag row is raised once and cleared once (``cleared_at``) when its condition no longer
holds; it is never deleted. A condition that comes back raises a new row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import new_id

FLAG_KINDS = {
    "dispute_reclassified": "无分歧欠款改为有分歧",
    "installment_unpaid": "协议分期到期未还",
    "plan_extended_repeatedly": "还款计划多次延期",
    "repayment_without_evidence": "还款缺少佐证材料",
    "commercial_bill": "以商业承兑汇票支付",
    "no_weekly_update": "两周以上未更新进展",
    "chain_funds_received": "获得清偿资金后仍拖欠",
    "complained_under_agreement": "还款协议执行期间被投诉",
}


class RedFlag(Base):
    """预警. ``evidence`` holds the facts that raised it, as they stood at that moment."""

    __tablename__ = "red_flag"
    __table_args__ = (
        CheckConstraint("cleared_at IS NULL OR cleared_at >= raised_at", name="cleared_after_raised"),
        Index("ix_red_flag_item", "item_id", "raised_at"),
        Index("ix_red_flag_kind_active", "kind", postgresql_where=text("cleared_at IS NULL")),
        # At most one active flag of a kind per item.
        Index(
            "uq_red_flag_active_item_kind", "item_id", "kind", unique=True, postgresql_where=text("cleared_at IS NULL")
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    evidence: Mapped[dict] = mapped_column(JSONB, nullable=False)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DisputeReclassification(Base):
    """A request to reclassify an undisputed item as disputed (将无分歧欠款改为有分歧欠款), which a
    leader of the responsible unit approves or rejects."""

    __tablename__ = "dispute_reclassification"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_has_time"),
        Index("ix_dispute_reclassification_item", "item_id"),
        Index(
            "uq_dispute_reclassification_pending_item",
            "item_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False)
    route: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    requested_by: Mapped[str] = mapped_column(String(36), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
