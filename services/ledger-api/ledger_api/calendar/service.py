"""Rules of the platform calendar: a year's schedule is checked like the kernel checks any year
(dates inside the year, make-up days on weekends, no day both), previewed month by month next to
what the platform uses today, and confirmed with an audit row."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.calendar import schemas
from ledger_api.calendar.models import CalendarYear
from qq_kernel.auth.principal import Principal
from qq_kernel.problems import ProblemError
from qq_kernel.workdays import WorkCalendar, YearSchedule


def parse(year: int, body: schemas.CalendarYearIn) -> YearSchedule:
    errors = []
    holidays: list[date] = []
    workdays: list[date] = []
    for field in ("holidays", "workdays"):
        try:
            days = schemas.expand(getattr(body, field))
        except ValueError as exc:
            errors.append({"field": f"{field}", "message": str(exc), "code": "calendar_date"})
            continue
        outside = [d for d in days if d.year != year]
        if outside:
            errors.append(
                {
                    "field": f"{field}",
                    "message": f"{outside[0].isoformat()} 不属于 {year} 年",
                    "code": "wrong_year",
                }
            )
        (holidays if field == "holidays" else workdays).extend(days)
    if not errors:
        try:
            return YearSchedule(year, frozenset(holidays), frozenset(workdays), "operator")
        except ValueError as exc:
            field = "workdays" if "调休" in str(exc) else "holidays"
            errors.append({"field": field, "message": str(exc), "code": "calendar_conflict"})
    raise ProblemError(422, detail=errors[0]["message"], errors=errors)


def _kind(schedule: YearSchedule, d: date) -> str:
    if d in schedule.holidays:
        return "holiday"
    if d in schedule.workdays:
        return "makeup"
    return "weekend" if d.weekday() >= 5 else "workday"


async def current_schedule(session: AsyncSession, year: int) -> tuple[str, YearSchedule | None]:
    row = await session.get(CalendarYear, year)
    if row is not None:
        return "loaded", to_schedule(row)
    official = WorkCalendar.official()
    if official.covers(year):
        return "package", official.schedule(year)
    return "none", None


def to_schedule(row: CalendarYear) -> YearSchedule:
    return YearSchedule(
        row.year,
        frozenset(date.fromisoformat(d) for d in row.holidays),
        frozenset(date.fromisoformat(d) for d in row.workdays),
        "operator",
    )


async def preview(session: AsyncSession, year: int, body: schemas.CalendarYearIn) -> schemas.CalendarPreviewOut:
    schedule = parse(year, body)
    source, current = await current_schedule(session, year)
    months: list[schemas.MonthOut] = []
    d = date(year, 1, 1)
    while d.year == year:
        month_days = []
        m = d.month
        while d.year == year and d.month == m:
            month_days.append(schemas.DayOut(date=d, kind=_kind(schedule, d)))
            d += timedelta(days=1)
        months.append(
            schemas.MonthOut(
                month=m,
                working_days=sum(1 for x in month_days if x.kind in ("workday", "makeup")),
                days=month_days,
            )
        )
    warnings = []
    weekday_holidays = [h for h in schedule.holidays if h.weekday() < 5]
    if len(weekday_holidays) < 8:
        warnings.append(f"工作日放假仅 {len(weekday_holidays)} 天，法定节假日通常更多，请核对是否漏录")
    cur_h = current.holidays if current else frozenset()
    cur_w = current.workdays if current else frozenset()
    return schemas.CalendarPreviewOut(
        year=year,
        holidays=sorted(schedule.holidays),
        workdays=sorted(schedule.workdays),
        working_days=sum(m.working_days for m in months),
        months=months,
        current=source,
        added_holidays=sorted(schedule.holidays - cur_h),
        removed_holidays=sorted(cur_h - schedule.holidays),
        added_workdays=sorted(schedule.workdays - cur_w),
        removed_workdays=sorted(cur_w - schedule.workdays),
        warnings=warnings,
    )


def _row_json(row: CalendarYear) -> dict:
    return {"year": row.year, "holidays": row.holidays, "workdays": row.workdays, "notice": row.notice}


async def confirm(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    year: int,
    body: schemas.CalendarYearIn,
    row: CalendarYear | None,
) -> CalendarYear:
    schedule = parse(year, body)
    holidays = [d.isoformat() for d in sorted(schedule.holidays)]
    workdays = [d.isoformat() for d in sorted(schedule.workdays)]
    before = _row_json(row) if row is not None else None
    actor = principal.user_id or principal.subject
    if row is None:
        row = CalendarYear(year=year, holidays=holidays, workdays=workdays, notice=body.notice, loaded_by=actor)
        session.add(row)
    else:
        row.holidays, row.workdays, row.notice, row.loaded_by = holidays, workdays, body.notice, actor
    await session.flush()
    await AUDIT.record(
        session,
        action="calendar.year_loaded",
        principal=principal,
        request=request,
        object_type="calendar_year",
        object_id=str(year),
        region_path=principal.region_path,
        before=before,
        after=_row_json(row),
    )
    return row


async def loaded_years(session: AsyncSession) -> list[CalendarYear]:
    return list(await session.scalars(select(CalendarYear).order_by(CalendarYear.year)))
