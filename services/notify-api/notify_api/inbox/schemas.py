from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    item_id: str | None
    complaint_id: str | None
    created_at: datetime
    read_at: datetime | None
    read: bool


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int
