"""HTTP of transfer: the template, Excel import jobs, export, and the bulk API for scripts."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger.dependencies import read_ledger, write_ledger
from ledger_api.ledger.router import Filters, ItemSort
from ledger_api.transfer import importer, schemas, service
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import CHINA
from qq_kernel.db import get_session

router = APIRouter(prefix="/transfer", tags=["transfer"])
Session = Annotated[AsyncSession, Depends(get_session)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(name: str) -> dict[str, str]:
    return {
        "Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


@router.get(
    "/template",
    name="download_template",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "标准台账模板（.xlsx）"}},
)
async def download_template(session: Session, principal: Principal = Depends(write_ledger)) -> Response:
    """The standard template: Chinese headers, a 填写说明 sheet, drop-downs for every enumeration
    and for the caller's units."""
    names = await service.directory(session, principal)
    content = service.template_bytes(names)
    return Response(content, media_type=XLSX, headers=_attachment("清欠台账导入模板.xlsx"))


@router.get(
    "/export",
    name="export_items",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "台账（标准模板格式，.xlsx）"}},
)
async def export_items(
    request: Request,
    session: Session,
    filters: Filters,
    principal: Principal = Depends(read_ledger),
    sort: ItemSort = "-created_at",
) -> StreamingResponse:
    """The items GET /items would list with the same filters, in the template's layout, streamed.
    The first row names who exported it and when; the export is written to the audit trail."""
    audit_filters = {k: v for k, v in request.query_params.multi_items()}
    path, size, count = await service.export_items(session, principal, request, filters, sort, audit_filters)

    def chunks():
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(256 * 1024):
                    yield chunk
        finally:
            os.unlink(path)

    headers = _attachment(f"清欠台账_{datetime.now(CHINA):%Y%m%d_%H%M}.xlsx") | {
        "Content-Length": str(size),
        "X-Row-Count": str(count),
    }
    return StreamingResponse(chunks(), media_type=XLSX, headers=headers)


@router.post("/imports", name="upload_import", response_model=schemas.ImportJobOut, status_code=202)
async def upload_import(
    request: Request,
    session: Session,
    file: UploadFile = File(description="标准台账模板格式的 .xlsx"),
    principal: Principal = Depends(write_ledger),
) -> schemas.ImportJobOut:
    """Upload a workbook: refused at once (422, nothing stored) if it is not a plain .xlsx
    (legacy .xls, password-protected, macros, zip bomb, another format). Otherwise a job is queued
    that validates every row; poll it, read the dry run, then confirm."""
    content = await file.read(importer.MAX_UPLOAD_BYTES + 1)
    job = await service.create_job(session, principal, filename=file.filename or "upload.xlsx", content=content)
    await session.commit()
    service.wake_worker(request)
    return service.job_out(job)


@router.get("/imports/{job_id}", name="get_import", response_model=schemas.ImportJobOut)
async def get_import(job_id: str, session: Session, principal: Principal = Depends(write_ledger)):
    return service.job_out(await service.load_job(session, principal, job_id))


@router.get("/imports/{job_id}/rows", name="import_rows", response_model=schemas.PreviewPage)
async def import_rows(
    job_id: str,
    session: Session,
    principal: Principal = Depends(write_ledger),
    action: schemas.PreviewAction | None = Query(None),
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
) -> schemas.PreviewPage:
    """The dry run's rows: errors per cell (sheet, row, column, message), differences per column."""
    job = await service.load_job(session, principal, job_id)
    rows = [r for r in job.preview or [] if action is None or r["action"] == action]
    counts = job.counts or {}
    total_kept = sum(counts.get(a, 0) for a in ([action] if action else counts))
    return schemas.PreviewPage(items=rows[offset : offset + limit], total=len(rows), truncated=len(rows) < total_kept)


@router.post("/imports/{job_id}/confirm", name="confirm_import", response_model=schemas.ImportJobOut, status_code=202)
async def confirm_import(
    job_id: str,
    body: schemas.ImportConfirmIn,
    request: Request,
    session: Session,
    principal: Principal = Depends(write_ledger),
) -> schemas.ImportJobOut:
    """Write what the dry run showed. ``all_or_nothing`` (default) writes only a file without
    errors; ``valid_rows`` writes the valid rows, each row whole or not at all. The rows are checked
    again before writing."""
    job = await service.load_job(session, principal, job_id)
    await service.confirm_job(session, principal, job, body.mode)
    await session.commit()
    await session.refresh(job)
    service.wake_worker(request)
    return service.job_out(job)


@router.post(
    "/bulk/items",
    name="bulk_upsert_items",
    response_model=schemas.BulkOut,
    responses={422: {"description": "幂等键缺失、无效，或已用于另一个请求"}},
)
async def bulk_upsert_items(
    body: schemas.BulkItemsIn,
    request: Request,
    session: Session,
    principal: Principal = Depends(write_ledger),
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="写入时必填；24 小时内重试同一请求返回第一次的结果"
    ),
):
    """Upsert up to 10,000 items (see docs/api.md). With ``Idempotency-Key`` a retry returns the
    first answer and applies nothing twice; the same key with another body is a 422."""
    if body.dry_run:
        return await service.bulk_items(session, principal, request, body, key=None)
    first = await service.claim_key(
        session, principal, idempotency_key or "", "bulk_items", service.request_hash(body.model_dump())
    )
    if first is not None:
        return JSONResponse(first.response, status_code=first.status_code, headers={"Idempotent-Replayed": "true"})
    out = await service.bulk_items(session, principal, request, body, key=idempotency_key)
    await service.store_answer(session, principal, idempotency_key, 200, out)
    await session.commit()
    return JSONResponse(out)


@router.post("/bulk/weekly-updates", name="bulk_weekly_updates", response_model=schemas.WeeklyBulkOut)
async def bulk_weekly_updates(
    body: schemas.WeeklyBulkIn,
    request: Request,
    session: Session,
    principal: Principal = Depends(write_ledger),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """A unit's weekly updates (按周更新) in one call, one row per item by ledger number."""
    if body.dry_run:
        out = await service.bulk_weekly(session, principal, request, body)
        await session.rollback()
        return out
    first = await service.claim_key(
        session, principal, idempotency_key or "", "bulk_weekly", service.request_hash(body.model_dump())
    )
    if first is not None:
        return JSONResponse(first.response, status_code=first.status_code, headers={"Idempotent-Replayed": "true"})
    out = await service.bulk_weekly(session, principal, request, body)
    await service.store_answer(session, principal, idempotency_key, 200, out)
    await session.commit()
    return JSONResponse(out)
