"""The ledger (明细台账): debtors, creditors, arrears items and what happens to them.

Money is NUMERIC(18,2). An item carries its running totals (verified repayments, adjustments,
outstanding) so lists and sums over a million items stay cheap; they are changed only under the
item's row lock, in the transaction that changes their parts, and CHECK constraints hold the
invariant (outstanding = principal − verified + adjustments ≥ 0) in the database itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger_api.db import Base
from ledger_api.identity.models import Timestamps, new_id
from qq_kernel.numbering import YearlySequenceMixin

MONEY = Numeric(18, 2)

DISPUTE_ROUTES = {"negotiation": "协商", "mediation": "调解", "arbitration": "仲裁", "litigation": "诉讼"}
FUNDING_SOURCES = {
    "budget": "预算资金",
    "financial_support": "金融支持",
    "self_raised": "其他自筹",
    "special_bonds": "专项债",
    "other": "其他",
}
ITEM_STATUSES = {
    "open": "待化解",
    "resolving": "化解中",
    "claimed_cleared": "已清偿待核实",
    "written_off": "已销账",
    "void": "已作废",
}
COURT_STAGES = {"filed": "立案", "trial": "审理", "judgment": "判决", "enforcement": "执行", "closed": "结案"}
REPAYMENT_METHODS = {"bank_transfer": "银行转账", "commercial_bill": "商业承兑汇票", "other": "其他"}
REPAYMENT_STATUSES = {"reported": "待核实", "verified": "已核实", "rejected": "核实未通过"}


class Debtor(Timestamps, Base):
    """拖欠主体. Scoped by its supervising unit."""

    __tablename__ = "debtor"
    __table_args__ = (
        UniqueConstraint("uscc"),
        # the target of arrears_item's (debtor_id, debtor_type) foreign key
        UniqueConstraint("id", "type", name="uq_debtor_id_type"),
        Index("ix_debtor_region_path", "region_path"),
        # search by name fragments (qq_kernel.textsearch; created by migration ledger_0008)
        Index("ix_debtor_name_bigrams", text("ledger.qq_bigrams(name)"), postgresql_using="gin"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    supervising_unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Creditor(Timestamps, Base):
    """债权企业. Registered per region; contact data is personal data (masked in lists)."""

    __tablename__ = "creditor"
    __table_args__ = (
        UniqueConstraint("uscc"),
        Index("ix_creditor_region_path", "region_path"),
        Index("ix_creditor_name_bigrams", text("ledger.qq_bigrams(name)"), postgresql_using="gin"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    size: Mapped[str] = mapped_column(String(16), nullable=False)
    contact_person: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class YearlySequence(YearlySequenceMixin, Base):
    """Yearly counters of the ledger-api: series ``ledger_no`` (台账编号 990121-2026-000001) and
    ``supervision_notice`` (督办书文号), per region code and year."""


class ArrearsItem(Timestamps, Base):
    """欠款明细: one debt, one line of the ledger."""

    __tablename__ = "arrears_item"
    __table_args__ = (
        UniqueConstraint("ledger_no"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("outstanding >= 0", name="outstanding_not_negative"),
        CheckConstraint("outstanding = principal - verified_repaid + adjustments_total", name="outstanding_reconciles"),
        CheckConstraint("status <> 'written_off' OR outstanding = 0", name="written_off_means_zero"),
        CheckConstraint("status <> 'void' OR void_reason IS NOT NULL", name="void_has_reason"),
        # The debtor's type, copied so that the list filters by it without a join (bench/README.md);
        # the key keeps the copy equal to the debtor's own (and follows it, should a type ever change).
        ForeignKeyConstraint(
            ["debtor_id", "debtor_type"],
            ["debtor.id", "debtor.type"],
            name="fk_arrears_item_debtor_type",
            onupdate="CASCADE",
        ),
        Index("ix_arrears_item_region_status", "region_path", "status"),
        # a unit's page in order, and its count index-only (migration ledger_0010)
        Index(
            "ix_arrears_item_unit_created",
            "responsible_unit_id",
            "created_at",
            "id",
            postgresql_include=["status", "region_path"],
        ),
        Index(
            "ix_arrears_item_ledger_no_reversed",
            text("reverse(ledger_no)"),
            postgresql_ops={"reverse(ledger_no)": "text_pattern_ops"},
        ),
        # with the scope's columns: a search's count is index-only (migration ledger_0012)
        Index("ix_arrears_item_debtor", "debtor_id", postgresql_include=["responsible_unit_id", "region_path"]),
        Index(
            "ix_arrears_item_creditor",
            "creditor_id",
            postgresql_include=["responsible_unit_id", "region_path", "debtor_id"],
        ),
        Index("ix_arrears_item_created", "created_at", "id"),
        Index("ix_arrears_item_outstanding", "outstanding", "id"),
        Index("ix_arrears_item_contract_bigrams", text("ledger.qq_bigrams(contract_name)"), postgresql_using="gin"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    ledger_no: Mapped[str] = mapped_column(String(32), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtor.id"), nullable=False)
    debtor_type: Mapped[str] = mapped_column(String(32), nullable=False)
    creditor_id: Mapped[str] = mapped_column(ForeignKey("creditor.id"), nullable=False)
    contract_name: Mapped[str] = mapped_column(String(300), nullable=False)
    procurement_type: Mapped[str] = mapped_column(String(16), nullable=False)
    principal: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    verified_repaid: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    adjustments_total: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0.00"))
    outstanding: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    acceptance_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    agreed_daily_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 8))
    responsible_unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), nullable=False)
    responsible_person_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    disputed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dispute_route: Mapped[str | None] = mapped_column(String(16))
    court_case_no: Mapped[str | None] = mapped_column(String(64))
    court_stage: Mapped[str | None] = mapped_column(String(16))  # COURT_STAGES, recorded by the court
    resolution_measures: Mapped[str | None] = mapped_column(Text)
    planned_clearance_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    void_reason: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(64))
    written_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    written_off_by: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class FundingLine(Base):
    """偿还资金来源: source, amount, expected arrival date (到位时间)."""

    __tablename__ = "funding_line"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    expected_arrival_date: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EvidenceFile(Base):
    """佐证材料. Content sniffed by magic bytes, SHA-256 kept; blobs live in their own table."""

    __tablename__ = "evidence_file"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    repayment_id: Mapped[str | None] = mapped_column(ForeignKey("repayment.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)  # receipt | confirmation | agreement | other
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(36), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class EvidenceBlob(Base):
    __tablename__ = "evidence_blob"

    file_id: Mapped[str] = mapped_column(ForeignKey("evidence_file.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Repayment(Base):
    """还款记录. Counts only once verified (核实). A correction is a reversing entry (negative
    amount, ``reverses_id`` set), never an edit."""

    __tablename__ = "repayment"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("(amount > 0) = (reverses_id IS NULL)", name="only_reversals_negative"),
        # The verification queue (ledger/queue.py): one status in reported order, all in reported
        # order, and the repayments of a few items by status.
        Index("ix_repayment_status_reported", "status", "reported_at", "id", postgresql_include=["item_id"]),
        Index("ix_repayment_reported", "reported_at", "id"),
        Index("ix_repayment_item_status", "item_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="reported")
    note: Mapped[str | None] = mapped_column(String(500))
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("repayment.id"), unique=True)
    reported_by: Mapped[str] = mapped_column(String(36), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    verified_by: Mapped[str | None] = mapped_column(String(36))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Adjustment(Base):
    """A recorded adjustment of what is owed (± with a reason), e.g. a settlement discount."""

    __tablename__ = "adjustment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("arrears_item.id"), nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
