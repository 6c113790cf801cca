"""Periodic complaint statistics (DOMAIN.md §3): received, accepted, not accepted by reason,
timeliness against each deadline, average handling days, satisfaction — by handling unit or by
month, over the complaints received in a period that the caller may see.

Definitions (also in docs/api.md):
- a complaint counts in the period it was *received* in;
- transfer on time: assigned (分办) no later than its transfer deadline (the latest assignment,
  after a return the reassignment); late: assigned after it, or still waiting past it on ``as_of``;
- result on time: the written reply no later than the result deadline (approved extensions
  included); late: replied after it, or still unanswered past it on ``as_of``;
- average handling days: calendar days from receipt to closing, over the closed complaints;
- satisfaction: the latest revisit's answer; the rate is (满意 + 基本满意) / revisited.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import httpx
from fastapi import Request
from openpyxl import Workbook
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.models import NOT_ACCEPTED_REASONS, SATISFACTION, Complaint
from complaint_api.complaints.service import visible_clause
from complaint_api.complaints.states import RESULT_STATES, TRANSFER_STATES, State
from complaint_api.statistics import schemas
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import CHINA

UNITS_PATH = "/api/ledger/org/units"
TWO = Decimal("0.01")


def _count(condition):
    return func.count().filter(condition)


def _columns(as_of: date) -> dict:
    c = Complaint
    transfer_waiting = c.status.in_([s.value for s in TRANSFER_STATES])
    result_waiting = c.status.in_([s.value for s in RESULT_STATES])
    columns = {
        "received": func.count(),
        "accepted": _count(c.accepted_on.is_not(None)),
        "not_accepted": _count(c.status == State.not_accepted),
        "pending_acceptance": _count(c.status == State.received),
        "transfer_on_time": _count(and_(c.assigned_on.is_not(None), c.assigned_on <= c.transfer_due)),
        "transfer_late": _count(
            or_(
                and_(c.assigned_on.is_not(None), c.assigned_on > c.transfer_due),
                and_(transfer_waiting, c.transfer_due < as_of),
            )
        ),
        "result_on_time": _count(and_(c.replied_on.is_not(None), c.replied_on <= c.result_due)),
        "result_late": _count(
            or_(
                and_(c.replied_on.is_not(None), c.replied_on > c.result_due),
                and_(c.replied_on.is_(None), result_waiting, c.result_due < as_of),
            )
        ),
        "closed": _count(c.status == State.closed),
        "handling_days": func.avg(c.closed_on - c.received_on).filter(c.status == State.closed),
    }
    for reason in NOT_ACCEPTED_REASONS:
        columns[f"reason:{reason}"] = _count(and_(c.status == State.not_accepted, c.not_accepted_reason == reason))
    for answer in SATISFACTION:
        columns[f"satisfaction:{answer}"] = _count(c.satisfaction == answer)
    return columns


def _key(group_by: str):
    if group_by == "unit":
        return Complaint.handling_unit_id
    if group_by == "month":
        return func.to_char(Complaint.received_on, "YYYY-MM")
    return literal(None)


def _row(key, label: str, r) -> schemas.StatisticsRow:
    satisfaction = {a: r._mapping[f"satisfaction:{a}"] for a in SATISFACTION}
    revisited = sum(satisfaction.values())
    rate = None
    if revisited:
        good = satisfaction["satisfied"] + satisfaction["basically_satisfied"]
        rate = (Decimal(100 * good) / revisited).quantize(TWO, ROUND_HALF_UP)
    days = r.handling_days
    return schemas.StatisticsRow(
        key=key,
        label=label,
        received=r.received,
        accepted=r.accepted,
        not_accepted=r.not_accepted,
        not_accepted_by_reason={k: r._mapping[f"reason:{k}"] for k in NOT_ACCEPTED_REASONS},
        pending_acceptance=r.pending_acceptance,
        transfer_on_time=r.transfer_on_time,
        transfer_late=r.transfer_late,
        result_on_time=r.result_on_time,
        result_late=r.result_late,
        closed=r.closed,
        average_handling_days=None if days is None else Decimal(days).quantize(TWO, ROUND_HALF_UP),
        satisfaction=satisfaction,
        satisfaction_rate=rate,
    )


async def unit_names(request: Request) -> dict[str, str]:
    """Names of the units the caller sees (ledger-api owns the organisation); ids when it is away."""
    try:
        r = await request.app.state.http.get(
            UNITS_PATH, headers={"Authorization": request.headers.get("authorization", "")}, auth=None
        )
    except httpx.HTTPError:
        return {}
    return {u["id"]: u["name"] for u in r.json()} if r.status_code == 200 else {}


async def statistics(
    session: AsyncSession,
    principal: Principal,
    *,
    start: date,
    end: date,
    group_by: str,
    as_of: date,
    names: dict[str, str],
) -> schemas.StatisticsOut:
    columns = _columns(as_of)
    where = (Complaint.received_on.between(start, end), visible_clause(principal))
    labelled = [col.label(name) for name, col in columns.items()]
    total = (await session.execute(select(*labelled).where(*where))).one()
    rows = []
    if group_by != "total":
        key = _key(group_by).label("key")
        for r in (await session.execute(select(key, *labelled).where(*where).group_by(key).order_by(key))).all():
            if group_by == "unit":
                label = names.get(r.key, r.key) if r.key else "未分办"
            else:
                label = f"{r.key[:4]}年{int(r.key[5:])}月"
            rows.append(_row(r.key, label, r))
    return schemas.StatisticsOut(
        start=start, end=end, group_by=group_by, as_of=as_of, rows=rows, total=_row(None, "合计", total)
    )


HEADERS = [
    ("label", "分组"),
    ("received", "收到"),
    ("accepted", "受理"),
    ("not_accepted", "不予受理"),
    *((f"reason:{k}", f"不予受理：{v}") for k, v in NOT_ACCEPTED_REASONS.items()),
    ("pending_acceptance", "待受理"),
    ("transfer_on_time", "按期分办"),
    ("transfer_late", "超期分办"),
    ("result_on_time", "按期反馈"),
    ("result_late", "超期反馈"),
    ("closed", "办结"),
    ("average_handling_days", "平均办理天数"),
    *((f"satisfaction:{k}", v) for k, v in SATISFACTION.items()),
    ("satisfaction_rate", "满意率（%）"),
]


def _cells(row: schemas.StatisticsRow) -> list:
    out = []
    for field, _ in HEADERS:
        if field.startswith("reason:"):
            out.append(row.not_accepted_by_reason[field.split(":", 1)[1]])
        elif field.startswith("satisfaction:"):
            out.append(row.satisfaction[field.split(":", 1)[1]])
        else:
            value = getattr(row, field)
            # Decimal figures as numbers a spreadsheet can sum (they are ratios and day counts, not money).
            out.append(float(value) if isinstance(value, Decimal) else value)
    return out


def workbook(stats: schemas.StatisticsOut, *, exported_by: str, exported_at: datetime) -> bytes:
    """The statistics as .xlsx (openpyxl, write-only), with the exporter and time on top."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("投诉统计")
    ws.append([f"投诉统计　{stats.start.isoformat()} 至 {stats.end.isoformat()}（按收到日期）"])
    stamp = f"{exported_at.astimezone(CHINA):%Y-%m-%d %H:%M}"
    ws.append([f"导出人：{exported_by}　导出时间：{stamp}（北京时间）　期限截至 {stats.as_of.isoformat()}"])
    ws.append([title for _, title in HEADERS])
    for row in stats.rows:
        ws.append(_cells(row))
    ws.append(_cells(stats.total))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
