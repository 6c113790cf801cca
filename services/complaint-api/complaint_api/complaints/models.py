"""Complaints (投诉, DOMAIN.md §3): the complaint itself, its evidence, its timeline and the
requests to extend its result deadline.

Deadlines are dates (Beijing calendar) stored with a ``provisional`` flag: a deadline that runs
into a year whose holiday schedule nobody has loaded is counted on weekends alone and says so;
the calendar job recomputes it when the year arrives (complaints/scheduled.py).

``next_due``/``next_due_provisional`` is the deadline that runs *now* (the transfer deadline while
the office has to assign, the result deadline while the unit handles it, none otherwise): the
workbench queues sort and filter on it through the queue indexes below.
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from complaint_api.db import Base
from qq_kernel.ids import new_id

MONEY = Numeric(18, 2)

SOURCES = {"platform": "投诉平台", "phone": "电话", "letter": "信函", "walk_in": "来访"}
# 不予受理 reasons the regulation allows (DOMAIN.md §3).
NOT_ACCEPTED_REASONS = {
    "not_goods_works_services": "不属于采购货物、工程、服务的款项",
    "in_other_proceedings": "已由人民法院、仲裁机构或调解组织受理",
    "repeat_without_new_facts": "重复投诉且无新的事实和理由",
}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
EXTENSION_STATUSES = {"pending": "待审批", "approved": "已批准", "rejected": "未批准"}
INTAKE_CONSTRAINT = "uq_complaint_intake"


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (
        # Idempotent platform intake: the same platform complaint id of one integration account is
        # one complaint (INSERT ... ON CONFLICT ON CONSTRAINT; NULLs of staff registrations never clash).
        UniqueConstraint("integration_account_id", "platform_complaint_id", name=INTAKE_CONSTRAINT),
        UniqueConstraint("complaint_no"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("pledge_no_other_proceedings", name="pledge_given"),
        CheckConstraint(
            "(source = 'platform') = (platform_complaint_id IS NOT NULL AND integration_account_id IS NOT NULL)",
            name="platform_source_has_ids",
        ),
        CheckConstraint("status <> 'not_accepted' OR not_accepted_reason IS NOT NULL", name="not_accepted_has_reason"),
        CheckConstraint("extension_days >= 0", name="extension_not_negative"),
        # The workbench queues (complaints/queue.py), keyset-paged. A deadline runs exactly when
        # next_due is set (accepted/returned: transfer; assigned/handling: result), so the "by
        # deadline" queues are partial indexes in deadline order: a unit's, and the office's
        # with the region, status and unit carried for the scope filter without a table visit.
        Index(
            "ix_complaint_unit_due",
            "handling_unit_id",
            "next_due",
            "id",
            postgresql_include=["status"],
            postgresql_where=text("next_due IS NOT NULL"),
        ),
        Index(
            "ix_complaint_due",
            "next_due",
            "id",
            postgresql_include=["region_path", "status", "handling_unit_id"],
            postgresql_where=text("next_due IS NOT NULL"),
        ),
        # "by arrival" queues: the office's intake queue (status received), a unit's by state.
        Index(
            "ix_complaint_status_received",
            "status",
            "received_at",
            "id",
            postgresql_include=["region_path", "handling_unit_id"],
        ),
        Index("ix_complaint_unit_received", "handling_unit_id", "status", "received_at", "id"),
        Index("ix_complaint_received_at", "received_at", "id"),
        Index("ix_complaint_region_path", "region_path", postgresql_ops={"region_path": "text_pattern_ops"}),
        # The calendar job: open deadlines still counted on weekends alone.
        Index(
            "ix_complaint_provisional",
            "id",
            postgresql_where=text("transfer_due_provisional OR result_due_provisional"),
        ),
        Index("ix_complaint_respondent_uscc", "respondent_uscc"),
        Index("ix_complaint_complainant_uscc", "complainant_uscc"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    complaint_no: Mapped[str] = mapped_column(String(32), nullable=False)
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    integration_account_id: Mapped[str | None] = mapped_column(String(36))
    platform_complaint_id: Mapped[str | None] = mapped_column(String(64))
    # The platform's request as we understood it (canonical JSON): a repeat is compared with it.
    intake_payload: Mapped[dict | None] = mapped_column(JSONB)

    complainant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    complainant_uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    complainant_size: Mapped[str] = mapped_column(String(16), nullable=False)
    contact_person: Mapped[str] = mapped_column(String(64), nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(32), nullable=False)
    respondent_name: Mapped[str] = mapped_column(String(200), nullable=False)
    respondent_uscc: Mapped[str | None] = mapped_column(String(18))
    respondent_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    contract_name: Mapped[str] = mapped_column(String(300), nullable=False)
    contract_no: Mapped[str | None] = mapped_column(String(100))
    procurement_type: Mapped[str] = mapped_column(String(16), nullable=False)
    facts: Mapped[str] = mapped_column(Text, nullable=False)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    pledge_no_other_proceedings: Mapped[bool] = mapped_column(Boolean, nullable=False)

    status: Mapped[str] = mapped_column(String(24), nullable=False, default="received")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    registered_by: Mapped[str] = mapped_column(String(36), nullable=False)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    not_accepted_reason: Mapped[str | None] = mapped_column(String(32))
    not_accepted_explanation: Mapped[str | None] = mapped_column(Text)
    handling_unit_id: Mapped[str | None] = mapped_column(String(36))
    assigned_on: Mapped[date | None] = mapped_column(Date)

    # 分办期限: N working days after formal acceptance.
    transfer_due: Mapped[date | None] = mapped_column(Date)
    transfer_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 办理期限: N calendar days after the unit received it, plus approved extensions.
    result_due: Mapped[date | None] = mapped_column(Date)
    result_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    result_period_start: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The deadline running now, for the queues (see the module docstring).
    next_due: Mapped[date | None] = mapped_column(Date)
    next_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    replied_on: Mapped[date | None] = mapped_column(Date)
    reply_text: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    closed_on: Mapped[date | None] = mapped_column(Date)
    urge_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    supervision_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ComplaintEvent(Base):
    """The timeline: every transition, urge, supervision, extension decision and deadline
    recomputation, in order. Append-only like the audit trail (no UPDATE/DELETE grants)."""

    __tablename__ = "complaint_event"
    __table_args__ = (Index("ix_complaint_event_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # an Action, "intake", "deadline_recomputed"
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(128))
    actor_unit_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONB)


class ComplaintFile(Base):
    """Evidence of the complaint and attachments of the reply: content sniffed by magic bytes
    (qq_kernel.files, the ledger's rules and limits), SHA-256 kept; blobs in their own table."""

    __tablename__ = "complaint_file"
    __table_args__ = (
        Index("ix_complaint_file_complaint", "complaint_id", "uploaded_at"),
        # The same bytes once per complaint and purpose, also under concurrent uploads.
        Index("uq_complaint_file_content", "complaint_id", "purpose", "sha256", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)  # evidence | reply
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(36), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class ComplaintFileBlob(Base):
    __tablename__ = "complaint_file_blob"

    file_id: Mapped[str] = mapped_column(ForeignKey("complaint_file.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ExtensionRequest(Base):
    """申请延期 of the result deadline; the handling unit's leader decides (four eyes: never the
    requester). At most one pending per complaint."""

    __tablename__ = "extension_request"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="four_eyes"),
        Index("ix_extension_request_complaint_id", "complaint_id"),
        Index(
            "uq_extension_request_pending",
            "complaint_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    requested_by: Mapped[str] = mapped_column(String(36), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class SupervisionNotice(Base):
    """督办通知书 issued on a complaint: the .docx is rendered from ``snapshot`` (what was printed)."""

    __tablename__ = "supervision_notice"
    __table_args__ = (Index("ix_supervision_notice_complaint_id", "complaint_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    notice_no: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    snapshot: Mapped[dict] = mapped_column(JSONB, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(36), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
