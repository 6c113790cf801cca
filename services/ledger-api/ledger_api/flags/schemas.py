from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger_api.ledger.schemas import DisputeRoute
from qq_kernel.money import Money

FlagKind = Literal[
    "dispute_reclassified",
    "installment_unpaid",
    "plan_extended_repeatedly",
    "repayment_without_evidence",
    "commercial_bill",
    "no_weekly_update",
    "chain_funds_received",
    "complained_under_agreement",
]


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    kind: FlagKind
    kind_label: str = Field(description="中文名称")
    raised_at: datetime
    cleared_at: datetime | None = Field(description="条件不再成立的时间；为空表示仍在预警")
    active: bool
    evidence: dict = Field(description="触发预警的事实（触发时）")


class FlagRow(FlagOut):
    ledger_no: str
    contract_name: str
    debtor_name: str
    responsible_unit_id: str
    item_status: str


class ReclassifyIn(BaseModel):
    reason: str = Field(min_length=4, max_length=1000, description="改为有分歧的理由")
    route: DisputeRoute = Field(description="分歧解决途径")


class DecisionIn(BaseModel):
    note: str | None = Field(default=None, max_length=500, description="审批意见")


class RejectIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="不予批准的理由")


class ReclassificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    route: str
    reason: str
    status: str = Field(description="pending 待审批；approved 已批准；rejected 未批准")
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    version: int


class ChainItem(BaseModel):
    id: str
    ledger_no: str
    contract_name: str
    debtor_name: str
    creditor_name: str
    status: str
    outstanding: Money
    verified_repaid: Money
    responsible_unit_id: str


class ChainOut(BaseModel):
    item_id: str
    debtor_uscc: str
    creditor_uscc: str
    receivables_of_debtor: list[ChainItem] = Field(
        description="本明细的拖欠主体作为债权企业被拖欠的明细（它获得清偿后应优先清偿本明细）"
    )
    payables_of_creditor: list[ChainItem] = Field(
        description="本明细的债权企业作为拖欠主体拖欠他人的明细（本明细清偿后其应优先清偿这些明细）"
        "；每侧至多 100 条（按台账编号）"
    )
    receivables_truncated: bool = Field(default=False, description="拖欠主体一侧超过 100 条，只列出前 100 条")
    payables_truncated: bool = Field(default=False, description="债权企业一侧超过 100 条，只列出前 100 条")
