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


# Items listed per group (a unit or a person); the group's counts are always complete.
MISSING_ITEMS_PER_GROUP = 50


async def missing_report(
    session: AsyncSession, *, principal: Principal, monday: date, group_by: str = "unit"
) -> schemas.MissingReport:
    """Who has not updated which open item in the week starting ``monday``, per unit or per person.

    An item is due an update in a week when it is open (待化解 or 化解中) and was on the ledger
    before that week ended. Counts are aggregated in the database; each group lists at most
    MISSING_ITEMS_PER_GROUP of its missing items, and an item is listed once (in its group)."""
    sunday = monday + timedelta(days=6)
    updated = (
        select(WeeklyUpdate.id)
        .where(WeeklyUpdate.item_id == ArrearsItem.id, WeeklyUpdate.week_start == monday)
        .exists()
    )
    due = (
        item_scope(principal),
        ArrearsItem.status.in_(WEEKLY_STATUSES),
        ArrearsItem.created_at < china_midnight(sunday + timedelta(days=1)),
    )
    by_person = group_by == "person"
    keys = [ArrearsItem.responsible_unit_id, *([ArrearsItem.responsible_person_id] if by_person else [])]
    counts = (
        await session.execute(
            select(*keys, func.count(), func.count().filter(updated)).where(*due).group_by(*keys)
        )
    ).all()
    flagged = (
        select(
            ArrearsItem.id.label("item_id"),
            ArrearsItem.ledger_no,
            ArrearsItem.contract_name,
            ArrearsItem.responsible_unit_id,
            ArrearsItem.responsible_person_id,
            ArrearsItem.debtor_id,
            func.row_number().over(partition_by=keys, order_by=ArrearsItem.ledger_no).label("n"),
        )
        .where(*due, ~updated)
        .subquery()
    )
    last_week = (
        select(func.max(WeeklyUpdate.week_start)).where(WeeklyUpdate.item_id == flagged.c.item_id).scalar_subquery()
    )
    listed = (
        await session.execute(
            select(
                flagged.c.item_id,
                flagged.c.ledger_no,
                flagged.c.contract_name,
                flagged.c.responsible_unit_id,
                flagged.c.responsible_person_id,
                User.display_name,
                Debtor.name,
                last_week,
            )
            .join(Debtor, Debtor.id == flagged.c.debtor_id)
            .outerjoin(User, User.id == flagged.c.responsible_person_id)
            .where(flagged.c.n <= MISSING_ITEMS_PER_GROUP)
            .order_by(flagged.c.ledger_no)
        )
    ).all()
    unit_ids = {row[0] for row in counts}
    person_ids = {row[1] for row in counts if by_person and row[1]}
    unit_names = dict((await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)))).all())
    person_names = dict(
        (await session.execute(select(User.id, User.display_name).where(User.id.in_(person_ids)))).all()
    )
    items: dict[tuple, list[schemas.MissingItem]] = {}
    for item_id, ledger_no, contract, unit_id, person_id, person_name, debtor, last in listed:
        key = (unit_id, person_id) if by_person else (unit_id,)
        items.setdefault(key, []).append(
            schemas.MissingItem(
                item_id=item_id,
                ledger_no=ledger_no,
                contract_name=contract,
                debtor_name=debtor,
                responsible_unit_id=unit_id,
                responsible_person_id=person_id,
                responsible_person_name=person_name,
                last_update_week=week_label(last) if last else None,
            )
        )
    units: list[schemas.UnitMissing] = []
    persons: list[schemas.PersonMissing] = []
    for row in counts:
        key, (total, done) = tuple(row[: len(keys)]), row[len(keys) :]
        common = {
            "unit_id": key[0],
            "unit_name": unit_names.get(key[0], ""),
            "open_items": total,
            "updated": done,
            "missing": total - done,
            "missing_items": items.get(key, []),
        }
        if by_person:
            persons.append(schemas.PersonMissing(person_id=key[1], person_name=person_names.get(key[1]), **common))
        else:
            units.append(schemas.UnitMissing(**common))
    by_missing = lambda g: (-g.missing, g.unit_name, getattr(g, "person_name", None) or "")  # noqa: E731
    return schemas.MissingReport(
        week=week_label(monday),
        week_start=monday,
        week_end=sunday,
        group_by=group_by,
        items_per_group_cap=MISSING_ITEMS_PER_GROUP,
        open_items=sum(r[len(keys)] for r in counts),
        updated=sum(r[len(keys) + 1] for r in counts),
        missing=sum(r[len(keys)] - r[len(keys) + 1] for r in counts),
        units=sorted(units, key=by_missing),
        persons=sorted(persons, key=by_missing),
    )
