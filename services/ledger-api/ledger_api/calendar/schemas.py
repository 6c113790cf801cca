from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

DayKind = Literal["workday", "weekend", "holiday", "makeup"]
_MAX_SPAN = 31


def expand(values: list[str]) -> list[date]:
    """``2027-02-06`` or a range ``2027-02-06~2027-02-13`` (as pasted from the notice) → dates."""
    out: list[date] = []
    for i, raw in enumerate(values):
        text = raw.strip().replace("～", "~").replace("至", "~")
        try:
            if "~" in text:
                first, last = (date.fromisoformat(p.strip()) for p in text.split("~", 1))
                if last < first or (last - first).days > _MAX_SPAN:
                    raise ValueError
                out += [first + timedelta(days=n) for n in range((last - first).days + 1)]
            else:
                out.append(date.fromisoformat(text))
        except ValueError:
            raise ValueError(
                f"第 {i + 1} 项“{raw[:40]}”不是日期（YYYY-MM-DD）"
                f"或日期范围（YYYY-MM-DD~YYYY-MM-DD，至多 {_MAX_SPAN} 天）"
            ) from None
    return sorted(set(out))


class CalendarYearIn(BaseModel):
    """One year's official schedule (国务院办公厅关于…年部分节假日安排的通知): the days off that
    would otherwise be working days (the whole holiday may be listed, weekends included) and the
    weekend days that are working days (调休上班)."""

    holidays: list[str] = Field(
        min_length=1, max_length=120, description="放假日期或日期范围，如 2027-02-06~2027-02-13"
    )
    workdays: list[str] = Field(default_factory=list, max_length=30, description="调休上班日（周六或周日）")
    notice: str = Field(min_length=2, max_length=200, description="依据的通知文号或标题")

    @field_validator("holidays", "workdays")
    @classmethod
    def _short_entries(cls, values: list[str]) -> list[str]:
        for v in values:
            if len(v) > 40:
                raise PydanticCustomError("too_long", "日期项过长")
        return values


class DayOut(BaseModel):
    date: date
    kind: DayKind


class MonthOut(BaseModel):
    month: int
    working_days: int
    days: list[DayOut]


class CalendarYearOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    year: int
    holidays: list[date]
    workdays: list[date]
    notice: str
    version: int
    loaded_by: str
    loaded_at: datetime


class CalendarYearsOut(BaseModel):
    items: list[CalendarYearOut]


class CalendarPreviewOut(BaseModel):
    year: int
    holidays: list[date]
    workdays: list[date]
    working_days: int = Field(description="全年工作日数")
    months: list[MonthOut]
    current: Literal["none", "package", "loaded"] = Field(description="该年现有安排的来源")
    added_holidays: list[date] = Field(description="与现有安排相比新增的放假日")
    removed_holidays: list[date]
    added_workdays: list[date]
    removed_workdays: list[date]
    warnings: list[str] = Field(description="需要人工核对的情况（不阻止确认）")
