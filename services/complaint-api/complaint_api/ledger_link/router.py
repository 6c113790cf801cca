"""HTTP of the ledger link: the matched items (or the candidate) shown on the complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.dependencies import read_complaints, readable_complaint
from complaint_api.complaints.models import Complaint
from complaint_api.ledger_link import schemas, service
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_region_subtree
from qq_kernel.db import get_session

router = APIRouter(tags=["ledger_link"])
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("/complaints/{complaint_id}/ledger-link", name="get_ledger_link", response_model=schemas.LedgerLinkOut)
async def get_ledger_link(
    session: Session,
    complaint: Complaint = Depends(readable_complaint),
    principal: Principal = Depends(read_complaints),
) -> schemas.LedgerLinkOut:
    """The ledger items this complaint is about (or the off-ledger candidate it became); while
    ledger-api has not answered yet, the attempts so far."""
    link = await service.link_state(session, complaint)
    # complaint-api matched with its service identity across the whole region: the items may be
    # other units' debts, which a handling unit may not read in the ledger. Only readers of the
    # region (office, auditors) see them; the unit sees that a link exists.
    if link.items and not (principal.region_scoped and in_region_subtree(principal, complaint.region_path)):
        link.items = []
        link.items_withheld = True
    return link
