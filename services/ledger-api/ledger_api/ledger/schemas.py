from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ledger_api.business_dates import BusinessDate
from qq_kernel.clock import china_today
from qq_kernel.money import Amount, Money, PositiveAmount, TotalMoney
from qq_kernel.problems import Problem
from qq_kernel.text import SingleLine
from qq_kernel.uscc import UsccError, validate_uscc

DebtorType = Literal[
    "government_agency", "fully_funded_institution", "other_institution", "platform_company", "soe", "large_enterprise"
]
CreditorSize = Literal["medium", "small", "micro"]
ProcurementType = Literal["goods", "works", "services"]
DisputeRoute = Literal["negotiation", "mediation", "arbitration", "litigation"]
FundingSource = Literal["budget", "financial_support", "self_raised", "special_bonds", "other"]
RepaymentMethod = Literal["bank_transfer", "commercial_bill", "other"]
ItemStatus = Literal["open", "resolving", "claimed_cleared", "written_off", "void"]


def check_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        # The checker's own reason code (check, charset, length...) reaches the client.
        raise PydanticCustomError(f"uscc_{exc.code}", str(exc)) from exc


def check_due_date(due: date | None, dates: dict) -> date | None:
    """A payment term cannot end before the goods were delivered or accepted."""
    if due is None:
        return due
    for field, label in (("delivery_date", "交付日期"), ("acceptance_date", "验收日期")):
        other = dates.get(field)
        if other is not None and due < other:
            code = "due_before_" + field.removesuffix("_date")
            raise PydanticCustomError(code, f"付款期限不能早于{label}（{other}）")
    return due


class DebtorIn(BaseModel):
    name: SingleLine = Field(min_length=2, max_length=200)
    uscc: str = Field(description="统一社会信用代码（18位，按 GB 32100-2015 校验）")
    type: DebtorType
    supervising_unit_id: str

    _uscc = field_validator("uscc")(check_uscc)


class DebtorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    uscc: str
    type: str
    supervising_unit_id: str
    region_path: str
    version: int


class CreditorIn(BaseModel):
    name: SingleLine = Field(min_length=2, max_length=200)
    uscc: str = Field(description="统一社会信用代码（18位，按 GB 32100-2015 校验）")
    size: CreditorSize
    contact_person: SingleLine | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, pattern=r"^[0-9\-+ ]{5,20}$")

    _uscc = field_validator("uscc")(check_uscc)


class CreditorOut(BaseModel):
    id: str
    name: str
    uscc: str
    size: str
    contact_person: str | None
    contact_phone: str | None
    contact_masked: bool = Field(description="联系方式是否已脱敏")
    region_path: str
    version: int


class FundingLineIn(BaseModel):
    source: FundingSource
    amount: PositiveAmount
    expected_arrival_date: BusinessDate | None = None


class FundingLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    source: FundingSource
    amount: Money
    expected_arrival_date: date | None = None


class ItemIn(BaseModel):
    debtor_id: str
    creditor_id: str
    contract_name: SingleLine = Field(min_length=2, max_length=300, description="合同或项目名称")
    procurement_type: ProcurementType
    principal: PositiveAmount = Field(description="欠款金额（元）")
    delivery_date: BusinessDate | None = None
    acceptance_date: BusinessDate | None = None
    due_date: BusinessDate | None = Field(default=None, description="合同约定付款期限，不早于交付和验收日期")
    agreed_daily_rate: Decimal | None = Field(
        default=None, gt=0, le=Decimal("0.01"), description="约定逾期日利率（小数，如万分之五填 0.0005）；未约定留空"
    )
    responsible_unit_id: str
    responsible_person_id: str | None = None
    disputed: bool = False
    dispute_route: DisputeRoute | None = None
    court_case_no: str | None = Field(default=None, max_length=64)
    resolution_measures: str | None = Field(default=None, max_length=4000)
    planned_clearance_date: BusinessDate | None = None
    funding_lines: list[FundingLineIn] = Field(default_factory=list)

    _due = field_validator("due_date")(classmethod(lambda cls, v, info: check_due_date(v, info.data)))

    @model_validator(mode="after")
    def _dispute(self) -> ItemIn:
        if not self.disputed and (self.dispute_route or self.court_case_no):
            raise ValueError("无分歧欠款不应填写分歧解决途径或案号")
        return self


class ItemPatch(BaseModel):
    contract_name: SingleLine | None = Field(default=None, min_length=2, max_length=300)
    delivery_date: BusinessDate | None = None
    acceptance_date: BusinessDate | None = None
    due_date: BusinessDate | None = None
    responsible_person_id: str | None = None
    dispute_route: DisputeRoute | None = None
    court_case_no: str | None = Field(default=None, max_length=64)
    resolution_measures: str | None = Field(default=None, max_length=4000)
    planned_clearance_date: BusinessDate | None = None
    funding_lines: list[FundingLineIn] | None = None


class CourtRecordIn(BaseModel):
    court_case_no: str = Field(min_length=4, max_length=64, description="案号，如（2025）示0121民初1876号")
    stage: Literal["filed", "trial", "judgment", "enforcement", "closed"] = Field(
        description="阶段：立案、审理、判决、执行、结案"
    )


class VoidIn(BaseModel):
    reason: str = Field(min_length=4, max_length=500, description="作废原因")


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    ledger_no: str
    region_path: str
    debtor_id: str
    debtor_name: str | None = None
    debtor_type: str | None = None
    creditor_id: str
    creditor_name: str | None = None
    contract_name: str
    procurement_type: str
    principal: Money
    verified_repaid: Money
    adjustments_total: Money
    outstanding: Money
    delivery_date: date | None
    acceptance_date: date | None
    due_date: date | None
    agreed_daily_rate: Decimal | None
    responsible_unit_id: str
    responsible_unit_name: str | None = None
    responsible_person_id: str | None
    responsible_person_name: str | None = None
    disputed: bool
    dispute_route: str | None
    court_case_no: str | None
    court_stage: str | None = None
    resolution_measures: str | None
    planned_clearance_date: date | None
    status: str
    void_reason: str | None
    source: str
    written_off_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    active_flags: list[str] = Field(default=[], description="在预警的种类（flags.FLAG_KINDS）")
    last_update_week: date | None = Field(default=None, description="最近一次周进展所在周的周一")
    key_case: bool = Field(default=False, description="重点督办中")


class ItemDetail(ItemOut):
    funding_lines: list[FundingLineOut] = []


class RepaymentIn(BaseModel):
    paid_on: BusinessDate
    amount: PositiveAmount
    method: RepaymentMethod
    note: str | None = Field(default=None, max_length=500)

    @field_validator("paid_on")
    @classmethod
    def _not_future(cls, v: date) -> date:
        if v > china_today():
            raise ValueError("还款日期不能晚于今天")
        return v


class RepaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    paid_on: date
    amount: Money
    method: str
    status: str
    note: str | None
    reverses_id: str | None
    reported_by: str
    reported_at: datetime
    verified_by: str | None
    verified_by_name: str | None = Field(
        default=None, description="核实或退回（status rejected）该还款的人员姓名：报送单位看不到办公室的人员名录"
    )
    verified_at: datetime | None = Field(description="核实时间；status 为 rejected 时为退回时间")
    rejection_reason: str | None
    evidence_count: int = 0
    version: int


class ReasonIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class AdjustmentIn(BaseModel):
    amount: Amount = Field(description="调整金额：负数减少应付，正数增加应付")
    reason: str = Field(min_length=4, max_length=500)

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, v: Decimal) -> Decimal:
        if v == 0:
            raise ValueError("调整金额不能为零")
        return v


class AdjustmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    amount: Money
    reason: str
    created_by: str
    created_at: datetime


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    repayment_id: str | None
    purpose: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class Totals(BaseModel):
    """Sums over every selected item: as wide as a province's ledger makes them (TotalMoney)."""

    items: int
    principal: TotalMoney
    verified_repaid: TotalMoney
    adjustments_total: TotalMoney
    outstanding: TotalMoney
    by_status: dict[str, int]


class HistoryEntry(BaseModel):
    occurred_at: datetime
    action: str
    actor_name: str | None
    object_type: str | None
    object_id: str | None
    before: dict | None
    after: dict | None
    detail: str | None


# ---------------------------------------------------------------- write-off refusal


WriteOffReasonCode = Literal[
    "item_void", "item_written_off", "outstanding_not_zero", "repayment_unverified", "repayment_without_evidence"
]


class WriteOffReason(BaseModel):
    """One condition that stops a write-off (销账)."""

    code: WriteOffReasonCode = Field(
        description="item_void 已作废；item_written_off 已销账；outstanding_not_zero 未清偿金额不为零；"
        "repayment_unverified 还款待核实；repayment_without_evidence 已核实还款缺少佐证材料"
    )
    detail: str = Field(description="中文说明")
    amount: Money | None = Field(default=None, description="尚欠金额，或该笔还款的金额")
    repayment_id: str | None = Field(default=None, description="原因在某笔还款时，该还款的 id")


class WriteOffRefused(Problem):
    """409 write_off_refused: the problem document, plus every reason (RFC 9457 extension member)."""

    reasons: list[WriteOffReason]


# ---------------------------------------------------------------- verification queue


RepaymentStatus = Literal["reported", "verified", "rejected"]


class RepaymentQueueRow(RepaymentOut):
    """A repayment across items (核实队列): the repayment, and what the office needs from its item
    to decide on it."""

    ledger_no: str
    item_status: str
    item_outstanding: Money
    debtor_name: str
    creditor_name: str
    responsible_unit_id: str
    responsible_unit_name: str | None = None
    reported_by_name: str | None = None


# ---------------------------------------------------------------- overdue interest


class InterestSegmentOut(BaseModel):
    start: date
    end: date
    days: int
    outstanding: TotalMoney
    amount: TotalMoney


class InterestOut(BaseModel):
    as_of: date
    due_date: date | None
    due_date_basis: str
    amount: TotalMoney | None
    days: int
    daily_rate: Decimal | None
    rate_source: str | None
    rule: str
    formula: str | None
    segments: list[InterestSegmentOut]
