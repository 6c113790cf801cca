from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qq_kernel.money import Money, NonNegativeAmount


class WeeklyUpdateIn(BaseModel):
    progress: str = Field(min_length=2, max_length=4000, description="本周进展")
    paid_this_week: NonNegativeAmount = Field(description="本周还款金额（元，不小于零）")
    next_step: str = Field(min_length=2, max_length=2000, description="下一步措施")


class WeeklyUpdatePatch(BaseModel):
    progress: str | None = Field(default=None, min_length=2, max_length=4000)
    paid_this_week: NonNegativeAmount | None = None
    next_step: str | None = Field(default=None, min_length=2, max_length=2000)


class WeeklyUpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    week: str = Field(description="ISO 周，如 2026-W48")
    week_start: date
    progress: str
    paid_this_week: Money
    next_step: str
    author_id: str
    unit_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class MissingItem(BaseModel):
    item_id: str
    ledger_no: str
    contract_name: str
    debtor_name: str
    responsible_unit_id: str
    responsible_person_id: str | None
    responsible_person_name: str | None
    last_update_week: str | None = Field(description="最近一次更新所在的 ISO 周，从未更新为空")


class UnitMissing(BaseModel):
    unit_id: str
    unit_name: str
    open_items: int
    updated: int
    missing: int
    missing_items: list[MissingItem]


class PersonMissing(BaseModel):
    person_id: str | None = Field(description="责任人；为空表示未指定责任人的明细（按单位归组）")
    person_name: str | None
    unit_id: str
    unit_name: str
    open_items: int
    updated: int
    missing: int
    missing_items: list[MissingItem]


class MissingReport(BaseModel):
    week: str
    week_start: date
    week_end: date
    group_by: Literal["unit", "person"] = Field(description="按单位（units）或按责任人（persons）归组；另一组为空")
    items_per_group_cap: int = Field(description="每组至多列出的未更新明细条数；计数不受此限")
    open_items: int = Field(description="该周应更新的明细数（待化解、化解中，且该周结束前已入账）")
    updated: int
    missing: int
    units: list[UnitMissing]
    persons: list[PersonMissing]
