from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from qq_kernel.money import Money


class LinkedItem(BaseModel):
    item_id: str
    ledger_no: str
    debtor_name: str
    creditor_name: str
    contract_name: str
    principal: Money
    outstanding: Money = Field(description="关联时的未清偿金额")
    status: str
    under_agreement: bool = Field(description="投诉时该笔欠款在执行还款协议（已在台账标记预警）")


class LedgerLinkOut(BaseModel):
    """The complaint's link to the ledger."""

    state: Literal["not_applicable", "pending", "linked", "failed"] = Field(
        description="not_applicable：未受理，不关联；pending：已受理，正在（或等待重试）关联台账；linked：已关联；"
        "failed：台账服务拒绝了该投诉的数据（见 last_error），不再重试"
    )
    outcome: Literal["matched", "candidate"] | None = Field(
        default=None, description="matched：匹配到台账明细；candidate：台账中没有，已提交为台账外欠款待办公室确认"
    )
    matched_by: str | None = None
    items: list[LinkedItem] = []
    items_withheld: bool = Field(
        default=False, description="true：匹配到的台账明细不在调用者的数据范围内（如承办单位），不予显示"
    )
    candidate_id: str | None = None
    linked_at: datetime | None = None
    attempts: int = Field(0, description="向台账服务提交的次数")
    last_error: str | None = Field(default=None, description="最近一次失败的原因（台账服务不可用时）")
    next_attempt_at: datetime | None = None
