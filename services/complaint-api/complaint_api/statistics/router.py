"""HTTP of complaint statistics: as JSON, and as an .xlsx export (logged, with the exporter and
time on the sheet)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.audit.models import AuditLog
from complaint_api.complaints import service as complaints
from complaint_api.complaints.dependencies import read_complaints
from complaint_api.config import SERVICE_NAME
from complaint_api.statistics import schemas, service
from complaint_api.statistics.dependencies import Period, period
from qq_kernel import audit
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session
from qq_kernel.files import file_response

router = APIRouter(prefix="/statistics", tags=["statistics"])
Session = Annotated[AsyncSession, Depends(get_session)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GroupByQuery = Annotated[schemas.GroupBy, Query(description="unit：按承办单位；month：按月；total：只要合计")]


async def _stats(request: Request, session, principal, within: Period, group_by: str) -> schemas.StatisticsOut:
    names = await service.unit_names(request) if group_by == "unit" else {}
    return await service.statistics(
        session,
        principal,
        start=within.start,
        end=within.end,
        group_by=group_by,
        as_of=complaints.today(request),
        names=names,
    )


@router.get("/complaints", name="complaint_statistics", response_model=schemas.StatisticsOut)
async def complaint_statistics(
    request: Request,
    session: Session,
    principal: Principal = Depends(read_complaints),
    within: Period = Depends(period),
    group_by: GroupByQuery = "unit",
) -> schemas.StatisticsOut:
    return await _stats(request, session, principal, within, group_by)


@router.get(
    "/complaints.xlsx",
    name="export_complaint_statistics",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "投诉统计 .xlsx"}},
)
async def export_complaint_statistics(
    request: Request,
    session: Session,
    principal: Principal = Depends(read_complaints),
    within: Period = Depends(period),
    group_by: GroupByQuery = "unit",
) -> Response:
    stats = await _stats(request, session, principal, within, group_by)
    now = datetime.now(UTC)
    content = service.workbook(stats, exported_by=principal.display_name or principal.username, exported_at=now)
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action="complaint.statistics_exported",
        principal=principal,
        request=request,
        object_type="complaint_statistics",
        region_path=principal.region_path,
        after={"from": within.start.isoformat(), "to": within.end.isoformat(), "group_by": group_by},
    )
    await session.commit()
    return file_response(
        content, media_type=XLSX, filename=f"投诉统计-{within.start.isoformat()}-{within.end.isoformat()}.xlsx"
    )
