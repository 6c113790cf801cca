"""POST /internal/events: the producers' relays deliver their outbox batches here."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from notify_api.events import schemas, service
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import Session

router = APIRouter(prefix="/internal", tags=["internal"])


@router.post("/events", name="ingest_events", response_model=schemas.EventBatchOut)
async def ingest_events(
    body: schemas.EventBatchIn, session: Session, _: Principal = Depends(require("service:notify_event"))
) -> schemas.EventBatchOut:
    return schemas.EventBatchOut(results=await service.store(session, body))
