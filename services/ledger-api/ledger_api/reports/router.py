"""HTTP of the reports: /reports/… as JSON, and each as .xlsx or PDF (exports are audited).

Readers: ledger readers within their data scope, and service identities (``service:reports``:
notify-api's weekly bulletin) over the whole ledger or the region they ask for."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AuditLog
from ledger_api.config import SERVICE_NAME
from ledger_api.ledger.listing import ItemFilters
from ledger_api.ledger.router import item_filters
from ledger_api.ledger.schemas import DebtorType
from ledger_api.reports import documents, schemas, service
from ledger_api.reports.dependencies import read_reports, snapshot_reports
from ledger_api.reports.export import build_document
from ledger_api.weekly.rules import parse_week, week_label, week_start
from qq_kernel import audit
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today
from qq_kernel.db import get_session
from qq_kernel.files import file_response
from qq_kernel.problems import ProblemError, field_error

router = APIRouter(prefix="/reports", tags=["reports"])
Session = Annotated[AsyncSession, Depends(get_session)]
Filters = Annotated[ItemFilters, Depends(item_filters)]


async def scope_filters(
    region: str | None = Query(None, description="行政区划路径前缀，如 /99/9901/"),
    unit_id: str | None = Query(None, description="责任单位"),
    debtor_type: DebtorType | None = Query(None),
) -> ItemFilters:
    """The filters of the dashboard, the trend, the ranking and the flag counts: the aggregates' own."""
    return ItemFilters(region=region, unit_id=unit_id, debtor_type=debtor_type)


ScopeFilters = Annotated[ItemFilters, Depends(scope_filters)]
BucketsQuery = Query(None, description="逾期天数分档上限，逗号分隔，默认 30,90,180,365", max_length=60)
SinceQuery = Query(None, description="趋势起始周，如 2026-W36；默认 12 周前", max_length=8)


def _bounds(buckets: str | None) -> tuple[int, ...]:
    try:
        return service.parse_bounds(buckets)
    except ValueError as exc:
        raise field_error("buckets", str(exc), "invalid") from exc


def _since(since: str | None, today: date) -> date:
    if not since:
        return week_start(today) - timedelta(days=7 * 12)
    try:
        return parse_week(since)
    except ValueError as exc:
        raise field_error("since", str(exc), "invalid") from exc


@router.get("/dashboard", name="report_dashboard", response_model=schemas.Dashboard)
async def dashboard(
    session: Session, filters: ScopeFilters, principal: Principal = Depends(read_reports)
) -> schemas.Dashboard:
    """The home page's figures in one request: totals, by unit, by debtor type, by dispute,
    ageing, the 12-week trend with the week-on-week change, the ranking and the red flags."""
    return await service.dashboard(session, principal, filters)


@router.get("/totals", name="report_totals", response_model=schemas.TotalsReport)
async def totals(
    session: Session,
    filters: Filters,
    group_by: schemas.GroupBy = Query("unit", description="按拖欠主体类型、责任单位、区划、分歧状态或状态分组"),
    principal: Principal = Depends(read_reports),
) -> schemas.TotalsReport:
    """Principal, verified repaid, outstanding, clearance rate and count per group, for the items the
    same filters as GET /items select; each row names its list (``filters``)."""
    return await service.totals_report(session, principal, filters, group_by)


@router.get("/ageing", name="report_ageing", response_model=schemas.AgeingReport)
async def ageing(
    session: Session,
    filters: Filters,
    buckets: str | None = BucketsQuery,
    principal: Principal = Depends(read_reports),
) -> schemas.AgeingReport:
    """Outstanding of the items still owed by days overdue (today − due date)."""
    return await service.ageing_report(session, principal, filters, _bounds(buckets))


@router.get("/trend", name="report_trend", response_model=schemas.TrendReport)
async def trend(
    session: Session,
    filters: ScopeFilters,
    since: str | None = SinceQuery,
    principal: Principal = Depends(read_reports),
) -> schemas.TrendReport:
    """Week-end snapshots since ``since``, this week so far (live), and the week-on-week change."""
    return await service.trend_report(session, principal, filters, _since(since, china_today()))


@router.get("/ranking", name="report_ranking", response_model=schemas.RankingReport)
async def ranking(
    session: Session, filters: ScopeFilters, principal: Principal = Depends(read_reports)
) -> schemas.RankingReport:
    """Units by clearance rate, then weekly-update punctuality of the last complete week (通报)."""
    return await service.ranking_report(session, principal, filters)


@router.get("/flags", name="report_flags", response_model=schemas.FlagReport)
async def flags(
    session: Session, filters: ScopeFilters, principal: Principal = Depends(read_reports)
) -> schemas.FlagReport:
    """Active red flags by kind and by unit."""
    return await service.flags_report(session, principal, filters)


@router.get(
    "/{report}/export",
    name="export_report",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "application/pdf": {},
            }
        }
    },
)
async def export_report(
    report: schemas.ReportName,
    request: Request,
    session: Session,
    filters: Filters,
    format: schemas.ExportFormat = Query("xlsx", description="xlsx 或 pdf"),
    group_by: schemas.GroupBy = Query("unit"),
    buckets: str | None = BucketsQuery,
    since: str | None = SinceQuery,
    principal: Principal = Depends(read_reports),
) -> Response:
    """A report as .xlsx or PDF, with the exporting user and time on it; written to the audit trail
    with its filters and row count. The trend, the ranking and the flag counts take only region,
    unit and debtor type (as their JSON forms)."""
    today = china_today()
    if report == "totals":
        data = await service.totals_report(session, principal, filters, group_by)
    elif report == "ageing":
        data = await service.ageing_report(session, principal, filters, _bounds(buckets))
    else:
        narrow = ItemFilters(region=filters.region, unit_id=filters.unit_id, debtor_type=filters.debtor_type)
        if filters != narrow:
            raise field_error("filters", "趋势、排名和预警统计只能按区划、责任单位和拖欠主体类型筛选", "unsupported")
        if report == "trend":
            data = await service.trend_report(session, principal, narrow, _since(since, today))
        elif report == "ranking":
            data = await service.ranking_report(session, principal, narrow)
        else:
            data = await service.flags_report(session, principal, narrow)
    doc = await build_document(session, principal, report, data, filters)
    try:
        if format == "pdf":
            # fpdf2 parses the CJK font (about a second): off the event loop.
            content = await asyncio.to_thread(documents.to_pdf, doc)
            media_type = "application/pdf"
        else:
            content = await asyncio.to_thread(documents.to_xlsx, doc)
            media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except documents.FontMissing as exc:
        raise ProblemError(503, code="font_missing", detail=str(exc)) from exc
    rows = sum(len(t.rows) for t in doc.tables)
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action="report.exported",
        principal=principal,
        request=request,
        object_type="report",
        object_id=report,
        unit_id=principal.unit_id,
        region_path=principal.region_path,
        after={
            "report": report,
            "format": format,
            "filters": service.filter_query(filters),
            "group_by": group_by if report == "totals" else None,
            "buckets": buckets if report == "ageing" else None,
            "since": since if report == "trend" else None,
            "rows": rows,
        },
    )
    await session.commit()
    filename = f"{doc.title}_{today:%Y%m%d}.{format}"
    return file_response(content, media_type=media_type, filename=filename)


@router.post("/snapshots/{week}", name="recompute_snapshot", response_model=schemas.SnapshotResult)
async def recompute_snapshot(
    week: str, request: Request, session: Session, principal: Principal = Depends(snapshot_reports)
) -> schemas.SnapshotResult:
    """Recompute one complete week's snapshot from the ledger's history (the job does this by
    itself for missing weeks; this is for the office after a correction)."""
    try:
        monday = parse_week(week)
    except ValueError as exc:
        raise field_error("week", str(exc), "invalid") from exc
    if monday >= week_start(china_today()):
        raise field_error("week", "只能重算已结束的周", "week_not_over")
    rows = await service.snapshot_week(session, monday, source="manual")
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action="report.snapshot_recomputed",
        principal=principal,
        request=request,
        object_type="report_snapshot",
        object_id=week_label(monday),
        unit_id=principal.unit_id,
        region_path=principal.region_path,
        after={"week": week_label(monday), "rows": rows},
    )
    await session.commit()
    return schemas.SnapshotResult(weeks=[week_label(monday)], rows=rows)
