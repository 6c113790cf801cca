"""HTTP of the verification queue (核实队列): GET /repayments, across the items of the caller's scope."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query

from ledger_api.ledger import queue, schemas
from ledger_api.ledger.dependencies import read_ledger
from qq_kernel.auth.principal import Principal
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams
from qq_kernel.problems import field_error

router = APIRouter(prefix="/repayments", tags=["repayments"])


@router.get("", name="list_repayment_queue", response_model=Page[schemas.RepaymentQueueRow])
async def list_repayment_queue(
    session: Session,
    principal: Principal = Depends(read_ledger),
    params: PageParams = Depends(PageParams.from_query),
    status: list[schemas.RepaymentStatus] | None = Query(
        None, description="还款状态，可多选：reported 待核实、verified 已核实、rejected 核实未通过"
    ),
    unit_id: str | None = Query(None, description="明细的责任单位"),
    region: str | None = Query(None, description="明细的行政区划路径前缀，如 /99/9901/"),
    method: schemas.RepaymentMethod | None = Query(None),
    reported_from: date | None = Query(None, description="报送日期起（含，北京时间）"),
    reported_to: date | None = Query(None, description="报送日期止（含，北京时间）"),
    has_evidence: bool | None = Query(None, description="是否已上传佐证材料"),
    sort: Literal["reported_at", "-reported_at"] = Query("reported_at", description="默认按报送时间从早到晚"),
) -> Page[schemas.RepaymentQueueRow]:
    """Repayments across items, scoped like the items: the office's queue is
    ``?status=reported`` (oldest first). Verify or reject each one under its item. The count
    stops at 1,000 (``total_exact`` false: "1,000 or more")."""
    if reported_from and reported_to and reported_to < reported_from:
        raise field_error("query.reported_to", "截止日期不能早于起始日期", "before_start")
    base = queue.queue_filter(
        principal,
        status=status,
        unit_id=unit_id,
        region=region,
        method=method,
        reported_from=reported_from,
        reported_to=reported_to,
        has_evidence=has_evidence,
    )
    rows, total, exact = await queue.read_page(session, base, params, sort)
    return Page.of(
        [queue.row_out(r) for r in rows],
        total,
        params,
        total_exact=exact,
    )
