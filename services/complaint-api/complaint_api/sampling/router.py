"""HTTP of revisit samples: the office draws one per period, lists them, and anyone who reads
the office's complaints can check that a draw reproduces."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.sampling import schemas, service
from complaint_api.sampling.models import RevisitSample
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.db import get_session
from qq_kernel.problems import ProblemError

router = APIRouter(prefix="/revisit-samples", tags=["revisit_samples"])
Session = Annotated[AsyncSession, Depends(get_session)]
triage = require("complaints:triage")
# The office that draws, and those who audit it; not the units whose complaints are sampled.
read_samples = require("complaints:triage", "audit:read", any_of=True)


def _region_clause(principal: Principal):
    return RevisitSample.region_path.startswith(principal.region_path or "/nowhere/", autoescape=True)


async def visible_sample(
    sample_id: str, principal: Principal = Depends(read_samples), session: AsyncSession = Depends(get_session)
) -> RevisitSample:
    sample = await session.scalar(select(RevisitSample).where(RevisitSample.id == sample_id, _region_clause(principal)))
    if sample is None:
        raise ProblemError(404, detail="回访复核样本不存在")
    return sample


@router.post("", name="draw_revisit_sample", response_model=schemas.SampleOut, status_code=201)
async def draw_revisit_sample(
    body: schemas.SampleIn, request: Request, session: Session, principal: Principal = Depends(triage)
) -> schemas.SampleOut:
    """Draw this period's sample of closed complaints of the office's region (once per period)."""
    share = body.share if body.share is not None else Decimal(str(request.app.state.settings.revisit_sample_share))
    sample = await service.draw_sample(
        session, principal=principal, request=request, start=body.period_start, end=body.period_end, share=share
    )
    out = await service.sample_out(session, sample, with_complaints=True)
    await session.commit()
    return out


@router.get("", name="list_revisit_samples", response_model=list[schemas.SampleOut])
async def list_revisit_samples(
    session: Session, principal: Principal = Depends(read_samples)
) -> list[schemas.SampleOut]:
    samples = await session.scalars(
        select(RevisitSample).where(_region_clause(principal)).order_by(RevisitSample.period_start.desc())
    )
    return [await service.sample_out(session, s, with_complaints=False) for s in samples]


@router.get("/{sample_id}", name="get_revisit_sample", response_model=schemas.SampleOut)
async def get_revisit_sample(session: Session, sample: RevisitSample = Depends(visible_sample)) -> schemas.SampleOut:
    return await service.sample_out(session, sample, with_complaints=True)


@router.get("/{sample_id}/check", name="check_revisit_sample", response_model=schemas.SampleCheck)
async def check_revisit_sample(sample: RevisitSample = Depends(visible_sample)) -> schemas.SampleCheck:
    """Redraw from the stored population and seed: the same sample, or the record was altered."""
    return service.redraw(sample)
