from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

SIGNATURE_HEADER = "X-QQ-Signature"
TIMESTAMP_HEADER = "X-QQ-Timestamp"
EVENT_ID_HEADER = "X-QQ-Event-Id"


class CallbackEndpointIn(BaseModel):
    url: AnyHttpUrl = Field(description="投诉平台接收状态变更的地址（生产环境须为 https）")
    enabled: bool = True


class CallbackEndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    account_id: str
    account_name: str
    url: str
    enabled: bool
    secret_prefix: str = Field(description="签名密钥的前几位（完整密钥只在生成时显示一次）")
    region_path: str
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime
    version: int


class CallbackEndpointWithSecret(CallbackEndpointOut):
    secret: str = Field(description="签名密钥，仅此一次显示；请立即交给对接方妥善保存")


class CallbackAttemptOut(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: int
    outcome: str = Field(description="delivered：对方已确认（2xx）；failed：失败，将退避重试")
    status_code: int | None
    error: str | None


class CallbackOut(BaseModel):
    """One status change sent (or to be sent) to the complaint platform."""

    event_id: str
    sequence: int = Field(description="本投诉的回调序号，从 1 起连续递增")
    status: str = Field(description="投诉的新状态")
    previous_status: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    attempts: list[CallbackAttemptOut]
