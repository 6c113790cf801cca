"""HTTP of the ledger link: the matched items (or the candidate) shown on the complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.dependencies import readable_complaint
from complaint_api.complaints.models import Complaint
from complaint_api.ledger_link import schemas, service
from qq_kernel.db import get_session

router = APIRouter(tags=["ledger_link"])
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("/complaints/{complaint_id}/ledger-link", name="get_ledger_link", response_model=schemas.LedgerLinkOut)
async def get_ledger_link(
    session: Session, complaint: Complaint = Depends(readable_complaint)
) -> schemas.LedgerLinkOut:
    """The ledger items this complaint is about (or the off-ledger candidate it became); while
    ledger-api has not answered yet, the attempts so far."""
    return await service.link_state(session, complaint)
