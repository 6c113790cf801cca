from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import new_id
from ledger_api.ledger.models import MONEY


class CandidateItem(Base):
    __tablename__ = "candidate_item"
    __table_args__ = (
        UniqueConstraint("source", "source_ref"),
        Index("ix_candidate_item_region_status", "region_path", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # complaint
    source_ref: Mapped[str] = mapped_column(String(64), nullable=False)  # the complaint's id
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    debtor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    debtor_uscc: Mapped[str | None] = mapped_column(String(18))
    creditor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    creditor_uscc: Mapped[str | None] = mapped_column(String(18))
    creditor_size: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    contract_name: Mapped[str | None] = mapped_column(String(300))
    facts: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|confirmed|rejected
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    item_id: Mapped[str | None] = mapped_column(ForeignKey("arrears_item.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
