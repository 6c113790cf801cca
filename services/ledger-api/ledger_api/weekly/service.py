"""Weekly update rules (按周更新).

One update per open item per ISO week, written in the current week by the item's responsible
person or a user of its responsible unit. A second POST in the same week is a 409; the week's
update may instead be corrected with PATCH and If-Match while that week lasts, and is frozen
once the week is over (what a unit reported for a week is part of the record).
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import Unit, User
from ledger_api.ledger.access import audit_item, item_scope
from ledger_api.ledger.models import ArrearsItem, Debtor
from ledger_api.weekly import schemas
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES, week_label, week_start
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_midnight, now
from qq_kernel.concurrency import check_if_match
from qq_kernel.problems import ProblemError


def check_responsible(principal: Principal, item: ArrearsItem) -> None:
    """The unit reports on its own items: the responsible person, or anyone of the responsible unit."""
    if principal.user_id and principal.user_id == item.responsible_person_id:
        return
    if principal.unit_id and principal.unit_id == item.responsible_unit_id:
        return
    raise ProblemError(403, code="not_responsible", detail="周进展由该明细的责任人或责任单位人员填报")


def _snapshot(update: WeeklyUpdate) -> dict:
    return {
        "weekly_update_id": update.id,
        "week": update.week,
        "progress": update.progress,
        "paid_this_week": str(update.paid_this_week),
        "next_step": update.next_step,
    }


async def create_update(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    body: schemas.WeeklyUpdateIn,
    today: date,
) -> WeeklyUpdate:
    check_responsible(principal, item)
    if item.status not in WEEKLY_STATUSES:
        raise ProblemError(409, code="item_not_open", detail="只有待化解、化解中的明细需要按周更新进展")
    monday = week_start(today)
    existing = await session.scalar(
        select(WeeklyUpdate).where(WeeklyUpdate.item_id == item.id, WeeklyUpdate.week_start == monday)
    )
    if existing is not None:
        raise ProblemError(
            409,
            code="weekly_update_exists",
            detail=f"{existing.week} 已填报周进展（{existing.id}），如需更正请修改该条（PATCH，带 If-Match）",
        )
    update = WeeklyUpdate(
        item_id=item.id,
        week_start=monday,
        week=week_label(today),
        progress=body.progress,
        paid_this_week=body.paid_this_week,
        next_step=body.next_step,
        author_id=principal.user_id,
        unit_id=item.responsible_unit_id,
    )
    session.add(update)
    await session.flush()
    await audit_item(
        session, item, action="weekly_update.created", principal=principal, request=request, after=_snapshot(update)
    )
    return update


async def load_update(session: AsyncSession, item: ArrearsItem, update_id: str) -> WeeklyUpdate:
    update = await session.scalar(
        select(WeeklyUpdate).where(WeeklyUpdate.id == update_id, WeeklyUpdate.item_id == item.id).with_for_update()
    )
    if update is None:
        raise ProblemError(404, detail="周进展不存在")
    return update


async def edit_update(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    update: WeeklyUpdate,
    changes: dict,
    today: date,
) -> WeeklyUpdate:
    check_responsible(principal, item)
    check_if_match(request, update.version)
    if update.week_start != week_start(today):
        raise ProblemError(409, code="week_closed", detail=f"{update.week} 已结束，该周进展不能再修改")
    before = _snapshot(update)
    for key, value in changes.items():
        if value is not None:
            setattr(update, key, value)
    update.updated_at = now()
    await session.flush()
    after = _snapshot(update)
    await audit_item(
        session,
        item,
        action="weekly_update.edited",
        principal=principal,
        request=request,
        before={k: v for k, v in before.items() if after[k] != v or k == "weekly_update_id"},
        after={k: v for k, v in after.items() if before[k] != v or k == "weekly_update_id"},
    )
    return update


async def missing_report(session: AsyncSession, *, principal: Principal, monday: date) -> schemas.MissingReport:
    """Who has not updated which open item in the week starting ``monday``, per unit and per person.

    An item is due an update in a week when it is open (待化解 or 化解中) and was on the ledger
    before that week ended."""
    sunday = monday + timedelta(days=6)
    this_week = (
        select(WeeklyUpdate.id)
        .where(WeeklyUpdate.item_id == ArrearsItem.id, WeeklyUpdate.week_start == monday)
        .exists()
    )
    last_week = (
        select(func.max(WeeklyUpdate.week_start)).where(WeeklyUpdate.item_id == ArrearsItem.id).scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                ArrearsItem.id,
                ArrearsItem.ledger_no,
                ArrearsItem.contract_name,
                ArrearsItem.responsible_unit_id,
                ArrearsItem.responsible_person_id,
                Unit.name,
                User.display_name,
                Debtor.name,
                this_week.label("updated"),
                last_week.label("last_week"),
            )
            .join(Unit, Unit.id == ArrearsItem.responsible_unit_id)
            .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
            .outerjoin(User, User.id == ArrearsItem.responsible_person_id)
            .where(
                item_scope(principal),
                ArrearsItem.status.in_(WEEKLY_STATUSES),
                ArrearsItem.created_at < china_midnight(sunday + timedelta(days=1)),
            )
            .order_by(Unit.name, ArrearsItem.ledger_no)
        )
    ).all()
    units: dict[str, schemas.UnitMissing] = {}
    persons: dict[tuple[str, str | None], schemas.PersonMissing] = {}
    for item_id, ledger_no, contract, unit_id, person_id, unit_name, person_name, debtor, updated, last in rows:
        unit = units.setdefault(
            unit_id,
            schemas.UnitMissing(
                unit_id=unit_id, unit_name=unit_name, open_items=0, updated=0, missing=0, missing_items=[]
            ),
        )
        person = persons.setdefault(
            (unit_id, person_id),
            schemas.PersonMissing(
                person_id=person_id,
                person_name=person_name,
                unit_id=unit_id,
                unit_name=unit_name,
                open_items=0,
                updated=0,
                missing=0,
                missing_items=[],
            ),
        )
        for group in (unit, person):
            group.open_items += 1
        if updated:
            unit.updated += 1
            person.updated += 1
            continue
        entry = schemas.MissingItem(
            item_id=item_id,
            ledger_no=ledger_no,
            contract_name=contract,
            debtor_name=debtor,
            responsible_unit_id=unit_id,
            responsible_person_id=person_id,
            responsible_person_name=person_name,
            last_update_week=week_label(last) if last else None,
        )
        for group in (unit, person):
            group.missing += 1
            group.missing_items.append(entry)
    by_missing = lambda g: (-g.missing, g.unit_name, getattr(g, "person_name", None) or "")  # noqa: E731
    return schemas.MissingReport(
        week=week_label(monday),
        week_start=monday,
        week_end=sunday,
        open_items=len(rows),
        updated=sum(u.updated for u in units.values()),
        missing=sum(u.missing for u in units.values()),
        units=sorted(units.values(), key=by_missing),
        persons=sorted(persons.values(), key=by_missing),
    )
