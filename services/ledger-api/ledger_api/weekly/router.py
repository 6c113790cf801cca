"""HTTP of weekly updates: /items/{item_id}/weekly-updates and /weekly/missing."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from ledger_api.flow import CHANGE, ITEM_CHANGE
from ledger_api.ledger.dependencies import read_ledger, readable_item, write_ledger
from ledger_api.ledger.models import ArrearsItem
from ledger_api.weekly import schemas, service
from ledger_api.weekly.dependencies import reporting_item
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEK_PATTERN, parse_week, week_start
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today
from qq_kernel.concurrency import set_etag
from qq_kernel.db import Session
from qq_kernel.problems import field_error

router = APIRouter(tags=["weekly"])


@router.post(
    "/items/{item_id}/weekly-updates",
    name="create_weekly_update",
    response_model=schemas.WeeklyUpdateOut,
    status_code=201,
)
async def create_weekly_update(
    body: schemas.WeeklyUpdateIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(reporting_item),
    principal: Principal = Depends(write_ledger),
) -> WeeklyUpdate:
    """This ISO week's update of an open item, by its responsible person or unit (403 otherwise).
    One per week: a second one is a 409 ``weekly_update_exists``; correct it with PATCH instead."""
    update = await service.create_update(
        session, principal=principal, request=request, item=item, body=body, today=china_today()
    )
    await ITEM_CHANGE.commit(session, item)
    set_etag(response, update.version)
    return update


@router.get("/items/{item_id}/weekly-updates", name="list_weekly_updates", response_model=list[schemas.WeeklyUpdateOut])
async def list_weekly_updates(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[WeeklyUpdate]:
    """The item's weekly updates, latest week first."""
    return list(
        await session.scalars(
            select(WeeklyUpdate).where(WeeklyUpdate.item_id == item.id).order_by(WeeklyUpdate.week_start.desc())
        )
    )


@router.patch(
    "/items/{item_id}/weekly-updates/{update_id}", name="edit_weekly_update", response_model=schemas.WeeklyUpdateOut
)
async def edit_weekly_update(
    update_id: str,
    body: schemas.WeeklyUpdatePatch,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(reporting_item),
    principal: Principal = Depends(write_ledger),
) -> WeeklyUpdate:
    """Correct this week's update (If-Match with its ETag); an update of a past week is frozen (409)."""
    update = await service.load_update(session, item, update_id)
    await service.edit_update(
        session,
        principal=principal,
        request=request,
        item=item,
        update=update,
        changes=body.model_dump(exclude_unset=True),
        today=china_today(),
    )
    await CHANGE.commit(session)
    set_etag(response, update.version)
    return update


@router.get("/weekly/missing", name="missing_weekly_updates", response_model=schemas.MissingReport)
async def missing_weekly_updates(
    session: Session,
    principal: Principal = Depends(read_ledger),
    week: str | None = Query(None, pattern=WEEK_PATTERN, description="ISO 周，如 2026-W48；默认本周"),
    group_by: Literal["unit", "person"] = Query("unit", description="按单位或按责任人归组"),
) -> schemas.MissingReport:
    """Open items without an update in the given ISO week, per unit and per responsible person,
    within the caller's data scope."""
    today = china_today()
    if week is None:
        monday = week_start(today)
    else:
        try:
            monday = parse_week(week)
        except ValueError as exc:
            raise field_error("week", str(exc), "invalid_week") from exc
        if monday > today:
            raise field_error("week", "不能查询尚未开始的周", "future_week")
    return await service.missing_report(session, principal=principal, monday=monday, group_by=group_by)
