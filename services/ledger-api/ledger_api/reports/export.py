"""Each report as a printable document (reports/documents.py renders it as .xlsx or PDF)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import Region, Unit
from ledger_api.ledger.listing import ItemFilters
from ledger_api.ledger.models import ITEM_STATUSES
from ledger_api.reports import schemas
from ledger_api.reports.documents import Column, Document, Table
from ledger_api.reports.service import DEBTOR_TYPES, filter_query
from qq_kernel.auth.principal import Principal

GROUP_TITLES = {
    "unit": "按责任单位",
    "debtor_type": "按拖欠主体类型",
    "region": "按行政区划",
    "dispute": "按分歧状态与解决途径",
    "status": "按状态",
}
REPORT_TITLES = {
    "totals": "清欠台账汇总表",
    "ageing": "欠款账龄分析表",
    "trend": "清欠进度周趋势表",
    "ranking": "成员单位清偿排名表",
    "flags": "预警统计表",
}
FIGURE_COLUMNS = [
    Column("笔数", "int", 0.6),
    Column("欠款金额（元）", "money", 1.3),
    Column("已核实还款（元）", "money", 1.3),
    Column("未清偿金额（元）", "money", 1.3),
    Column("清偿率", "rate", 0.7),
]
RATE_NOTE = "清偿率 = 已核实还款 ÷ 欠款金额（不含已作废明细）；核减不计为还款。"


def _figures(f: schemas.Figures) -> list:
    return [f.items, f.principal, f.verified_repaid, f.outstanding, f.clearance_rate]


async def _scope_text(session: AsyncSession, principal: Principal, filters: ItemFilters) -> str:
    parts = []
    if principal.kind == "service":
        parts.append("范围：全部（系统服务）")
    else:
        region = await session.scalar(select(Region.name).where(Region.path == principal.region_path))
        unit = await session.scalar(select(Unit.name).where(Unit.id == principal.unit_id))
        parts.append(f"数据范围：{region or ''}{'' if principal.region_scoped else '·' + (unit or '')}")
    labels = {
        "unit_id": "责任单位",
        "region": "区划",
        "debtor_type": "拖欠主体类型",
        "status": "状态",
        "disputed": "有分歧",
        "overdue": "已逾期",
        "q": "关键词",
    }
    query = filter_query(filters)
    if "unit_id" in query:
        query["unit_id"] = (
            await session.scalar(select(Unit.name).where(Unit.id == query["unit_id"])) or query["unit_id"]
        )
    if "region" in query:
        query["region"] = (
            await session.scalar(select(Region.name).where(Region.path == query["region"])) or query["region"]
        )
    if "debtor_type" in query:
        query["debtor_type"] = DEBTOR_TYPES.get(query["debtor_type"], query["debtor_type"])
    if "status" in query:
        query["status"] = "、".join(ITEM_STATUSES.get(s, s) for s in query["status"].split(","))
    for key, value in query.items():
        parts.append(f"{labels.get(key, key)}：{value}")
    return "；".join(parts)


async def build_document(
    session: AsyncSession, principal: Principal, report: str, data, filters: ItemFilters
) -> Document:
    tables: list[Table] = []
    if isinstance(data, schemas.TotalsReport):
        title = f"{REPORT_TITLES['totals']}（{GROUP_TITLES[data.group_by]}）"
        table = Table(GROUP_TITLES[data.group_by], [Column("分组", "text", 2.2), *FIGURE_COLUMNS])
        table.rows = [[row.label, *_figures(row)] for row in data.rows]
        table.rows.append(["合计", *_figures(data.total)])
        table.notes = [RATE_NOTE]
        tables.append(table)
    elif isinstance(data, schemas.AgeingReport):
        title = REPORT_TITLES["ageing"]
        table = Table(
            f"截至 {data.today:%Y-%m-%d}",
            [Column("账龄", "text", 2.0), Column("笔数", "int", 0.8), Column("未清偿金额（元）", "money", 1.5)],
        )
        table.rows = [[b.label, b.items, b.outstanding] for b in data.buckets]
        table.rows.append(["其中已逾期合计", data.overdue_items, data.overdue_outstanding])
        table.notes = ["逾期天数 = 统计日 − 合同约定付款期限；只统计尚未清偿的明细（待化解、化解中）。"]
        tables.append(table)
    elif isinstance(data, schemas.TrendReport):
        title = REPORT_TITLES["trend"]
        table = Table(
            f"自 {data.since} 起",
            [
                Column("周次", "text", 1.0),
                Column("笔数", "int", 0.6),
                Column("欠款金额（元）", "money", 1.3),
                Column("已核实还款（元）", "money", 1.3),
                Column("未清偿金额（元）", "money", 1.3),
                Column("清偿率", "rate", 0.7),
                Column("已销账笔数", "int", 0.7),
            ],
        )
        table.rows = [
            [
                p.week + ("（本周至今）" if p.live else ""),
                p.items,
                p.principal,
                p.verified_repaid,
                p.outstanding,
                p.clearance_rate,
                p.written_off_items,
            ]
            for p in data.points
        ]
        if data.change:
            c = data.change
            table.notes.append(
                f"周环比（{c.week} 对 {c.previous_week} 周末）：未清偿 {c.outstanding_change:+,.2f} 元，"
                f"已核实还款 {c.verified_repaid_change:+,.2f} 元，笔数 {c.items_change:+d}，"
                f"销账 {c.written_off_items_change:+d} 笔。"
            )
        table.notes.append("往周为周日 24:00（北京时间）的快照，按台账历史计算。")
        tables.append(table)
    elif isinstance(data, schemas.RankingReport):
        title = REPORT_TITLES["ranking"]
        table = Table(
            f"周进展按时率统计周：{data.week}",
            [
                Column("名次", "int", 0.5),
                Column("责任单位", "text", 2.0),
                Column("笔数", "int", 0.5),
                Column("欠款金额（元）", "money", 1.2),
                Column("已核实还款（元）", "money", 1.2),
                Column("未清偿金额（元）", "money", 1.2),
                Column("清偿率", "rate", 0.7),
                Column("较上周变化（元）", "money", 1.1),
                Column("周进展按时率", "rate", 0.8),
                Column("在预警", "int", 0.5),
            ],
        )
        table.rows = [
            [
                r.rank,
                r.unit_name,
                r.items,
                r.principal,
                r.verified_repaid,
                r.outstanding,
                r.clearance_rate,
                r.outstanding_change,
                r.punctuality,
                r.active_flags,
            ]
            for r in data.rows
        ]
        table.notes = [RATE_NOTE, "周进展按时率 = 统计周内已更新的明细数 ÷ 应更新的明细数（待化解、化解中）。"]
        tables.append(table)
    else:
        title = REPORT_TITLES["flags"]
        by_kind = Table("按预警类型", [Column("预警类型", "text", 2.5), Column("在预警笔数", "int", 1.0)])
        by_kind.rows = [[k.label, k.active] for k in data.by_kind]
        by_kind.rows.append(["合计", data.total])
        kinds = [k.kind for k in data.by_kind]
        by_unit = Table(
            "按责任单位",
            [
                Column("责任单位", "text", 2.0),
                *[Column(k.label, "int", 1.0) for k in data.by_kind],
                Column("合计", "int", 0.6),
            ],
        )
        by_unit.rows = [[u.unit_name, *[u.by_kind.get(k, 0) for k in kinds], u.total] for u in data.by_unit]
        tables += [by_kind, by_unit]
    return Document(
        title=title,
        subtitle=await _scope_text(session, principal, filters),
        exported_by=principal.display_name or principal.username,
        exported_at=datetime.now(UTC),
        tables=tables,
    )
