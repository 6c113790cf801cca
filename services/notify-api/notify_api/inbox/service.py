"""A person's inbox: only ever their own notifications (the user id of the token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notify_api.inbox import schemas
from notify_api.inbox.models import Notification
from qq_kernel.pagination import Page, PageParams
from qq_kernel.problems import ProblemError


def out(n: Notification) -> schemas.NotificationOut:
    return schemas.NotificationOut(
        id=n.id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        link=n.link,
        item_id=n.item_id,
        complaint_id=n.complaint_id,
        created_at=n.created_at,
        read_at=n.read_at,
        read=n.read_at is not None,
    )


def _filtered(
    user_id: str, *, kind: str | None, since: datetime | None, until: datetime | None, unread: bool | None
) -> Select:
    query = select(Notification).where(Notification.user_id == user_id)
    if kind:
        query = query.where(Notification.kind == kind)
    if since:
        query = query.where(Notification.created_at >= since)
    if until:
        query = query.where(Notification.created_at < until)
    if unread is not None:
        query = query.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return query


async def list_inbox(
    session: AsyncSession,
    user_id: str,
    params: PageParams,
    *,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    unread: bool | None = None,
) -> Page[schemas.NotificationOut]:
    query = _filtered(user_id, kind=kind, since=since, until=until, unread=unread)
    rows = await session.scalars(query.order_by(Notification.id.desc()).limit(params.page_size).offset(params.offset))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    return Page.of([out(n) for n in rows], total or 0, params)


async def unread_count(session: AsyncSession, user_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


async def mark_read(session: AsyncSession, user_id: str, notification_id: int) -> schemas.NotificationOut:
    note = await session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )
    if note is None:
        # Someone else's notification is as absent as a missing one.
        raise ProblemError(404, "notification_not_found", "通知不存在", "没有找到这条通知。")
    if note.read_at is None:
        note.read_at = func.now()
        await session.commit()
        await session.refresh(note)
    return out(note)


async def mark_all_read(session: AsyncSession, user_id: str, *, kind: str | None = None) -> int:
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if kind:
        statement = statement.where(Notification.kind == kind)
    result = await session.execute(statement.values(read_at=func.now()))
    await session.commit()
    return result.rowcount
