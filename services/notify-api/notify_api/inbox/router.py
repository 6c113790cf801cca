"""HTTP of the in-app inbox (/inbox): list with filters, unread count (the bell), mark read."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query

from notify_api.inbox import schemas, service
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams

router = APIRouter(prefix="/inbox", tags=["inbox"])
reader = require("notify:read")


@router.get("", name="list_inbox", response_model=Page[schemas.NotificationOut])
async def list_inbox(
    session: Session,
    principal: Principal = Depends(reader),
    params: PageParams = Depends(PageParams.from_query),
    kind: str | None = Query(None, max_length=64, description="通知类型"),
    since: datetime | None = Query(None, description="起始时间（含）"),
    until: datetime | None = Query(None, description="截止时间（不含）"),
    unread: bool | None = Query(None, description="true 仅未读，false 仅已读"),
) -> Page[schemas.NotificationOut]:
    return await service.list_inbox(
        session, principal.actor_id, params, kind=kind, since=since, until=until, unread=unread
    )


@router.get("/unread-count", name="inbox_unread_count", response_model=schemas.UnreadCount)
async def unread_count(session: Session, principal: Principal = Depends(reader)) -> schemas.UnreadCount:
    return schemas.UnreadCount(unread=await service.unread_count(session, principal.actor_id))


@router.post("/{notification_id}/read", name="mark_notification_read", response_model=schemas.NotificationOut)
async def mark_read(
    notification_id: int, session: Session, principal: Principal = Depends(reader)
) -> schemas.NotificationOut:
    return await service.mark_read(session, principal.actor_id, notification_id)


@router.post("/read-all", name="mark_all_notifications_read", response_model=schemas.MarkedRead)
async def mark_all_read(
    session: Session,
    principal: Principal = Depends(reader),
    kind: str | None = Query(None, max_length=64, description="只标记此类型"),
) -> schemas.MarkedRead:
    return schemas.MarkedRead(marked=await service.mark_all_read(session, principal.actor_id, kind=kind))
