from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["unit", "month", "total"]


class StatisticsRow(BaseModel):
    key: str | None = Field(description="承办单位 id（unit）或月份 YYYY-MM（month）；合计行为 null")
    label: str
    received: int = Field(description="收到")
    accepted: int = Field(description="受理（含其后各状态）")
    not_accepted: int = Field(description="不予受理")
    not_accepted_by_reason: dict[str, int] = Field(description="不予受理，按法定理由")
    pending_acceptance: int = Field(description="待受理")
    transfer_on_time: int = Field(description="按期分办（分办日不晚于分办期限）")
    transfer_late: int = Field(description="超期分办，或已过期限仍未分办")
    result_on_time: int = Field(description="按期书面反馈（反馈日不晚于办理期限，含批准的延期）")
    result_late: int = Field(description="超期反馈，或已过期限仍未反馈")
    closed: int = Field(description="办结")
    average_handling_days: Decimal | None = Field(description="已办结投诉从收到到办结的平均自然日数（两位小数）")
    satisfaction: dict[str, int] = Field(description="回访满意度：satisfied / basically_satisfied / dissatisfied")
    satisfaction_rate: Decimal | None = Field(description="（满意 + 基本满意）/ 已回访，百分比，两位小数")


class StatisticsOut(BaseModel):
    start: date
    end: date
    group_by: GroupBy
    as_of: date = Field(description="“已过期限”按此日判断")
    rows: list[StatisticsRow]
    total: StatisticsRow
