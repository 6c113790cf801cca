from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger_api.business_dates import BusinessDate
from qq_kernel.money import Money, PositiveAmount

InstallmentState = Literal["paid", "unpaid", "overdue"]


class InstallmentIn(BaseModel):
    due_date: BusinessDate = Field(description="到期日")
    amount: PositiveAmount = Field(description="本期应还金额（元）")


class PlanIn(BaseModel):
    installments: list[InstallmentIn] = Field(
        min_length=1, max_length=360, description="分期；金额合计须等于明细当前未清偿金额"
    )
    agreement_evidence_id: str | None = Field(
        default=None, description="还款协议文件：本明细下用途为 agreement 的佐证材料"
    )
    note: str | None = Field(default=None, max_length=2000, description="说明")


class ExtensionIn(BaseModel):
    new_due_date: BusinessDate = Field(description="延期后的到期日，须晚于当前到期日")
    reason: str = Field(min_length=4, max_length=500, description="延期原因")


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    installment_id: str
    old_due_date: date
    new_due_date: date
    reason: str
    extended_by: str
    extended_at: datetime


class InstallmentOut(BaseModel):
    id: str
    seq: int
    due_date: date
    original_due_date: date
    amount: Money
    paid_amount: Money = Field(description="按到期日先后分摊到本期的已核实还款")
    unpaid_amount: Money
    state: InstallmentState = Field(description="paid 已还清；unpaid 未到期未还清；overdue 已过到期日未还清")
    extensions: list[ExtensionOut] = []


class PlanOut(BaseModel):
    id: str
    item_id: str
    status: str
    total: Money = Field(description="计划总额（制定时的未清偿金额）")
    paid: Money = Field(description="计划制定后核实的还款（冲销后净额）")
    remaining: Money
    matches_outstanding: bool = Field(description="未还部分是否仍等于明细的未清偿金额（调整后可能不等，应重新制定）")
    agreement_evidence_id: str | None
    note: str | None
    replaces_id: str | None
    created_by: str
    created_at: datetime
    superseded_at: datetime | None
    superseded_by: str | None
    extensions_count: int
    as_of: date = Field(description="状态计算日期（被替换的计划按替换当日）")
    installments: list[InstallmentOut]
    version: int
