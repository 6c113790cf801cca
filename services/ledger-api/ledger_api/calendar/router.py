"""HTTP of the platform calendar: operators preview and confirm a year; services read them all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.calendar import schemas, service
from ledger_api.calendar.models import CalendarYear
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import get_session

router = APIRouter(prefix="/calendar", tags=["calendar"])
Session = Annotated[AsyncSession, Depends(get_session)]
manage = require("calendar:manage")
# Services read the years with their own identity; the administrators who keep them, too.
read_years = require("calendar:manage", "service:calendar_read", any_of=True)
Year = Annotated[int, Path(ge=2000, le=2100, description="年份")]


@router.get("/years", name="list_calendar_years", response_model=schemas.CalendarYearsOut)
async def list_calendar_years(session: Session, _: Principal = Depends(read_years)) -> schemas.CalendarYearsOut:
    """Every year operators loaded (the years the ``chinese-calendar`` package ships come on top
    of these in each service; a loaded year replaces the package's)."""
    rows = await service.loaded_years(session)
    return schemas.CalendarYearsOut(items=[schemas.CalendarYearOut.model_validate(r) for r in rows])


@router.post("/years/{year}/preview", name="preview_calendar_year", response_model=schemas.CalendarPreviewOut)
async def preview_calendar_year(
    year: Year, body: schemas.CalendarYearIn, session: Session, _: Principal = Depends(manage)
) -> schemas.CalendarPreviewOut:
    """The year month by month as it would be, and what changes against the schedule in use. Writes nothing."""
    return await service.preview(session, year, body)


@router.put("/years/{year}", name="confirm_calendar_year", response_model=schemas.CalendarYearOut)
async def confirm_calendar_year(
    year: Year,
    body: schemas.CalendarYearIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(manage),
) -> CalendarYear:
    """Load (or correct: If-Match with the year's ETag) a year. Services pick it up within a
    minute; complaint deadlines counted provisionally into it are recomputed by complaint-api."""
    row = await session.get(CalendarYear, year, with_for_update=True)
    if row is not None:
        check_if_match(request, row.version)
    row = await service.confirm(session, principal=principal, request=request, year=year, body=body, row=row)
    await session.commit()
    set_etag(response, row.version)
    return row
