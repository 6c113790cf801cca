"""HTTP of complaint links: complaint-api matches an accepted complaint (service identity only);
ledger readers see the complaints about an item they may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.complaint_links import schemas, service
from ledger_api.ledger.dependencies import readable_item
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session

router = APIRouter(tags=["complaint_links"])
Session = Annotated[AsyncSession, Depends(get_session)]
match_guard = require("service:ledger_match")


@router.post(
    "/complaint-links",
    name="match_complaint",
    response_model=schemas.ComplaintMatchOut,
    status_code=201,
    responses={
        200: {"description": "该投诉已匹配过（幂等键：投诉 id），返回首次的结果", "model": schemas.ComplaintMatchOut}
    },
)
async def match_complaint(
    body: schemas.ComplaintMatchIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(match_guard),
) -> schemas.ComplaintMatchOut:
    """For complaint-api, when a complaint is accepted: link it to its ledger items (or say there
    are none, and complaint-api proposes a candidate). Once per complaint id."""
    out, created = await service.match_complaint(session, principal=principal, request=request, body=body)
    await session.commit()
    if not created:
        response.status_code = 200
    return out


@router.get("/items/{item_id}/complaints", name="list_item_complaints", response_model=list[schemas.ItemComplaintOut])
async def list_item_complaints(
    session: Session, item: ArrearsItem = Depends(readable_item)
) -> list[schemas.ItemComplaintOut]:
    """Complaints about this item (each opens in the complaint service)."""
    return [
        schemas.ItemComplaintOut.model_validate(link) for link in await service.complaints_of_item(session, item.id)
    ]
