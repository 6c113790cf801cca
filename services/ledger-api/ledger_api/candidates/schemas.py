from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger_api.business_dates import BusinessDate
from ledger_api.ledger.schemas import CreditorSize, DebtorType, ProcurementType, check_uscc
from qq_kernel.money import Money, PositiveAmount


def _optional_uscc(value: str | None) -> str | None:
    return None if value in (None, "") else check_uscc(value)


class CandidateIn(BaseModel):
    """What complaint-api knows when it accepts a complaint about a debt not in the ledger."""

    source: str = Field(default="complaint", pattern="^complaint$")
    source_ref: str = Field(min_length=1, max_length=64, description="投诉编号")
    region_path: str = Field(pattern=r"^(/[0-9]{2,12})+/$", description="受理投诉的行政区划路径")
    debtor_name: str = Field(min_length=2, max_length=200)
    debtor_uscc: str | None = None
    creditor_name: str = Field(min_length=2, max_length=200)
    creditor_uscc: str | None = None
    creditor_size: CreditorSize | None = None
    amount: PositiveAmount
    contract_name: str | None = Field(default=None, max_length=300)
    facts: str | None = Field(default=None, max_length=4000)

    _d = field_validator("debtor_uscc")(_optional_uscc)
    _c = field_validator("creditor_uscc")(_optional_uscc)


class CandidateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    source: str
    source_ref: str
    region_path: str
    debtor_name: str
    debtor_uscc: str | None
    creditor_name: str
    creditor_uscc: str | None
    creditor_size: str | None
    amount: Money
    contract_name: str | None
    facts: str | None
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    item_id: str | None
    created_at: datetime
    version: int


class CandidateConfirm(BaseModel):
    """What the office settles when it takes the debt into the ledger."""

    debtor_uscc: str = Field(description="拖欠主体统一社会信用代码")
    debtor_type: DebtorType
    creditor_uscc: str = Field(description="债权企业统一社会信用代码")
    creditor_size: CreditorSize
    procurement_type: ProcurementType
    responsible_unit_id: str
    contract_name: str = Field(min_length=2, max_length=300)
    due_date: BusinessDate | None = None

    _d = field_validator("debtor_uscc")(check_uscc)
    _c = field_validator("creditor_uscc")(check_uscc)


class CandidateReject(BaseModel):
    reason: str = Field(min_length=2, max_length=500)
