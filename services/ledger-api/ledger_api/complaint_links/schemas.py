from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger_api.ledger.schemas import check_uscc
from qq_kernel.money import Money, PositiveMoney


def _optional_uscc(value: str | None) -> str | None:
    return None if value in (None, "") else check_uscc(value)


class ComplaintMatchIn(BaseModel):
    """What complaint-api sends when a complaint is accepted (service identity only)."""

    complaint_id: str = Field(min_length=1, max_length=36, description="投诉 id：幂等键，同一投诉只匹配一次")
    complaint_no: str = Field(min_length=1, max_length=32, description="投诉编号")
    region_path: str = Field(pattern=r"^(/[0-9]{2,12})+/$", description="受理投诉的行政区划：只在其下匹配")
    respondent_name: str = Field(min_length=2, max_length=200)
    respondent_uscc: str | None = None
    complainant_name: str = Field(min_length=2, max_length=200)
    complainant_uscc: str
    contract_name: str | None = Field(default=None, max_length=300)
    amount: PositiveMoney

    _r = field_validator("respondent_uscc")(_optional_uscc)
    _c = field_validator("complainant_uscc")(check_uscc)


class MatchedItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    item_id: str
    ledger_no: str
    debtor_name: str
    creditor_name: str
    contract_name: str
    principal: Money
    outstanding: Money
    status: str
    under_agreement: bool = Field(description="投诉时该笔欠款有执行中的还款协议（计划）")


class ComplaintMatchOut(BaseModel):
    complaint_id: str
    complaint_no: str
    outcome: str = Field(description="matched：已匹配台账；unmatched：台账中无此欠款（由投诉服务另行提交台账外欠款）")
    matched_by: str | None
    items: list[MatchedItem]
    created_at: datetime


class ItemComplaintOut(BaseModel):
    """A complaint about this item (the complaint itself is in complaint-api)."""

    model_config = ConfigDict(from_attributes=True)
    complaint_id: str
    complaint_no: str
    plan_id: str | None = Field(description="投诉时执行中的还款计划（协议）")
    created_at: datetime
