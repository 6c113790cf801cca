from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ledger_api.business_dates import BusinessDate


class KeyCaseIn(BaseModel):
    supervisor_id: str = Field(description="督办负责人（专班办公室人员）")
    deadline: BusinessDate = Field(description="督办期限")
    reason: str = Field(min_length=2, max_length=500)


class KeyCaseClose(BaseModel):
    note: str = Field(min_length=2, max_length=500)


class KeyCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    supervisor_id: str
    deadline: date
    reason: str
    marked_by: str
    marked_at: datetime
    closed_at: datetime | None
    close_note: str | None
    version: int


class KeyCaseRow(KeyCaseOut):
    ledger_no: str
    contract_name: str
    responsible_unit_id: str
    outstanding: str
    status: str


class InterviewIn(BaseModel):
    held_on: BusinessDate
    location: str | None = Field(default=None, max_length=200)
    interviewers: str = Field(min_length=2, max_length=500, description="约谈人")
    interviewees: str = Field(min_length=2, max_length=500, description="被约谈单位及人员")
    outcome: str = Field(min_length=2, max_length=4000, description="约谈结果与承诺")
    follow_up_deadline: BusinessDate | None = None


class InterviewOut(BaseModel):
    # Not InterviewIn: a stored row is shown as it is, the input window does not apply to it.
    model_config = ConfigDict(from_attributes=True)
    held_on: date
    location: str | None
    interviewers: str
    interviewees: str
    outcome: str
    follow_up_deadline: date | None
    id: str
    item_id: str
    recorded_by: str
    recorded_at: datetime


class NoticeIn(BaseModel):
    requirements: str = Field(min_length=4, max_length=4000, description="督办事项与要求")
    reply_deadline: BusinessDate = Field(description="书面反馈期限")


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    notice_no: str
    to_unit_id: str
    requirements: str
    reply_deadline: date
    issued_by: str
    issued_at: datetime
