from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ContactIn(BaseModel):
    address: str = Field(..., min_length=3, max_length=500, description="邮箱、机器人或回调地址、手机号")
    format: Literal["generic", "wecom"] | None = Field(None, description="webhook 的格式")
    active: bool = True


class ContactOut(BaseModel):
    channel: str
    address: str
    format: str | None
    active: bool


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    user_id: str
    kind: str
    channel: str
    address: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    dead_at: datetime | None


class RequeueIn(BaseModel):
    ids: list[int] = Field(..., min_length=1, max_length=1000)


class RequeueOut(BaseModel):
    requeued: list[int]


class PreferenceOut(BaseModel):
    kind: str
    channel: str
    enabled: bool
    # Mandatory kinds (supervision, escalation) cannot be switched off.
    mandatory: bool


class PreferenceIn(BaseModel):
    kind: str = Field(..., max_length=64, description="通知类型")
    channel: Literal["email", "webhook", "sms"] = Field(..., description="渠道")
    enabled: bool
