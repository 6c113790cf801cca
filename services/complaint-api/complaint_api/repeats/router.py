"""HTTP of repeats: the repeats of a complaint, and the respondents complained about again and
again in a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints.dependencies import read_complaints, readable_complaint
from complaint_api.complaints.models import Complaint
from complaint_api.repeats import schemas, service
from complaint_api.statistics.dependencies import Period, period
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session

router = APIRouter(tags=["repeats"])
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("/complaints/{complaint_id}/repeats", name="complaint_repeats", response_model=schemas.RepeatsOut)
async def complaint_repeats(
    session: Session,
    complaint: Complaint = Depends(readable_complaint),
    principal: Principal = Depends(read_complaints),
) -> schemas.RepeatsOut:
    """Other complaints about the same respondent by the same complainant or on the same contract."""
    return await service.repeats_of(session, principal, complaint)


@router.get(
    "/statistics/repeat-respondents",
    name="repeat_respondents",
    response_model=list[schemas.RepeatRespondentOut],
)
async def repeat_respondents(
    session: Session,
    principal: Principal = Depends(read_complaints),
    within: Period = Depends(period),
    min_complaints: Annotated[int, Query(ge=2, le=1000, description="至少被投诉几次")] = 2,
) -> list[schemas.RepeatRespondentOut]:
    """Respondents complained about at least ``min_complaints`` times in the period (by date received)."""
    return await service.repeat_respondents(
        session, principal, start=within.start, end=within.end, min_complaints=min_complaints
    )
