"""Report shapes. Money is a string of yuan with 2 places; the clearance rate (清偿率) is a ratio
string with 4 places ("0.1234" = 12.34 %), null where there is no principal (docs/ledger.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from qq_kernel.money import Money

Rate = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.4f}", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+\.\d{4}$", "description": "比率，4 位小数，如 0.1234 即 12.34%"}
    ),
]
GroupBy = Literal["debtor_type", "unit", "region", "dispute", "status"]
ReportName = Literal["totals", "ageing", "trend", "ranking", "flags"]
ExportFormat = Literal["xlsx", "pdf"]


class Figures(BaseModel):
    """Totals of a set of items (void items counted in ``by_status``, never summed)."""

    items: int = Field(description="明细笔数（不含已作废）")
    principal: Money = Field(description="欠款金额")
    verified_repaid: Money = Field(description="已核实还款")
    adjustments_total: Money = Field(description="核减/调整合计")
    outstanding: Money = Field(description="未清偿金额")
    clearance_rate: Rate | None = Field(description="清偿率 = 已核实还款 / 欠款金额")
    by_status: dict[str, int] = Field(default_factory=dict)


class GroupRow(Figures):
    key: str = Field(description="分组的值：单位 id、拖欠主体类型、区划路径、分歧状态（undisputed 或途径）或状态")
    label: str = Field(description="中文名称")
    filters: dict[str, str] = Field(description="该行背后的明细：GET /items 的查询参数")


class TotalsReport(BaseModel):
    group_by: GroupBy
    as_of: datetime
    source: Literal["aggregate", "items"] = Field(
        description="aggregate：预汇总表；items：按明细现算（带预汇总表不支持的筛选时）"
    )
    total: Figures
    rows: list[GroupRow]


class AgeingBucket(BaseModel):
    key: str
    label: str
    min_days: int | None = Field(description="逾期天数下限（含）；未到期与无付款期限为空")
    max_days: int | None = Field(description="逾期天数上限（含）；最后一档为空")
    items: int
    outstanding: Money
    filters: dict[str, str]


class AgeingReport(BaseModel):
    as_of: datetime
    today: date
    source: Literal["aggregate", "items"]
    bounds: list[int] = Field(description="分档上限（天），如 30,90,180,365")
    overdue_items: int
    overdue_outstanding: Money
    buckets: list[AgeingBucket]


class TrendPoint(BaseModel):
    week: str
    week_start: date
    live: bool = Field(description="true：本周至今（实时）；false：该周末的快照")
    items: int
    principal: Money
    verified_repaid: Money
    outstanding: Money
    clearance_rate: Rate | None
    written_off_items: int


class WeekChange(BaseModel):
    """This week so far against the end of last week."""

    week: str
    previous_week: str
    outstanding: Money
    outstanding_change: Money
    verified_repaid: Money
    verified_repaid_change: Money
    items: int
    items_change: int
    written_off_items_change: int


class TrendReport(BaseModel):
    as_of: datetime
    since: str
    points: list[TrendPoint]
    change: WeekChange | None = Field(description="周环比；上周末快照缺失时为空")


class RankingRow(BaseModel):
    rank: int
    unit_id: str
    unit_name: str
    items: int
    principal: Money
    verified_repaid: Money
    outstanding: Money
    clearance_rate: Rate | None
    outstanding_change: Money | None = Field(description="未清偿金额较上周末的变化")
    updates_due: int = Field(description="统计周应更新周进展的明细数")
    updates_filed: int
    punctuality: Rate | None = Field(description="周进展按时率 = 已更新 / 应更新")
    active_flags: int


class RankingReport(BaseModel):
    as_of: datetime
    week: str = Field(description="按时率统计的周（上一个完整周）")
    rows: list[RankingRow]


class FlagCount(BaseModel):
    kind: str
    label: str
    active: int


class FlagUnitRow(BaseModel):
    unit_id: str
    unit_name: str
    total: int
    by_kind: dict[str, int]


class FlagReport(BaseModel):
    as_of: datetime
    total: int
    by_kind: list[FlagCount]
    by_unit: list[FlagUnitRow]


class Dashboard(BaseModel):
    """Everything the home page shows, in one request."""

    as_of: datetime
    total: Figures
    by_unit: list[GroupRow]
    by_debtor_type: list[GroupRow]
    by_dispute: list[GroupRow]
    ageing: AgeingReport
    trend: TrendReport
    ranking: RankingReport
    flags: FlagReport


class SnapshotResult(BaseModel):
    weeks: list[str]
    rows: int
