from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SampleIn(BaseModel):
    period_start: date = Field(description="期间起（含），按办结日期")
    period_end: date = Field(description="期间止（含）")
    share: Decimal | None = Field(
        default=None, gt=0, le=1, max_digits=5, decimal_places=4, description="抽取比例；不填用系统配置"
    )


class SampledComplaint(BaseModel):
    complaint_id: str
    complaint_no: str
    closed_on: date | None
    handling_unit_id: str | None
    satisfaction: str | None


class SampleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    region_path: str
    period_start: date
    period_end: date
    share: Decimal
    seed: str = Field(description="随机种子（十六进制）：与总体、比例、算法一起即可复现抽样")
    algorithm: str
    population_size: int
    population_sha256: str = Field(description="总体（按 id 排序后以换行连接）的 SHA-256")
    sample_size: int
    drawn_by: str
    drawn_by_name: str
    drawn_at: datetime
    complaints: list[SampledComplaint] = []


class SampleCheck(BaseModel):
    reproduced: bool = Field(description="用保存的种子和总体重新抽取，结果与保存的样本一致")
    population_intact: bool = Field(description="保存的总体与其 SHA-256 一致")
    sample: list[str]
