from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

RepeatBasis = Literal["same_parties", "same_contract"]


class RepeatOut(BaseModel):
    complaint_id: str
    complaint_no: str
    received_on: date
    status: str
    basis: list[RepeatBasis] = Field(
        description="same_parties：同一投诉人投诉同一被投诉人；same_contract：同一被投诉人的同一合同"
    )


class RepeatsOut(BaseModel):
    count: int = Field(description="与本投诉重复的其他投诉数（本人可见范围内）")
    earlier: int = Field(description="其中早于本投诉收到的")
    complaints: list[RepeatOut]


class RepeatRespondentOut(BaseModel):
    respondent_key: str = Field(description="被投诉人统一社会信用代码；无代码时为名称")
    respondent_uscc: str | None
    respondent_name: str
    respondent_kind: str
    complaints: int = Field(description="期间内收到的投诉数")
    complainants: int = Field(description="不同投诉人数")
    open_complaints: int = Field(description="其中尚未办结的")
    first_received_on: date
    last_received_on: date
