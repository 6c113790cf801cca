from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class EventIn(BaseModel):
    event_id: str = Field(..., min_length=1, max_length=36)
    kind: str = Field(..., min_length=1, max_length=64)
    source: str = Field(..., min_length=1, max_length=32)
    occurred_at: datetime
    payload: dict


class EventBatchIn(BaseModel):
    events: list[EventIn] = Field(..., max_length=1000)


class EventResult(BaseModel):
    event_id: str
    # False: already stored by an earlier delivery (a redelivery after a lost answer).
    stored: bool


class EventBatchOut(BaseModel):
    results: list[EventResult]
