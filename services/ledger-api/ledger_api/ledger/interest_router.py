"""GET /items/{id}/interest: overdue interest as the 2025 regulation sets it, with the rule used."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from pydantic_core import PydanticCustomError

from ledger_api.business_dates import WINDOW
from ledger_api.ledger import overdue, schemas
from ledger_api.ledger.dependencies import readable_item
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.clock import china_today
from qq_kernel.db import Session
from qq_kernel.problems import field_error

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}/interest", name="item_interest", response_model=schemas.InterestOut)
async def item_interest(
    session: Session,
    item: ArrearsItem = Depends(readable_item),
    as_of: date | None = Query(None, description="计算截止日，默认今天；须在业务日期范围内"),
) -> schemas.InterestOut:
    if as_of is not None:
        try:
            WINDOW.check(as_of)
        except PydanticCustomError as exc:
            raise field_error("query.as_of", exc.message(), exc.type) from exc
    return await overdue.item_interest(session, item, as_of or china_today())
