"""HTTP of off-ledger candidates: complaint-api proposes (service identity), the office decides."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from ledger_api.candidates import schemas, service
from ledger_api.candidates.models import CandidateItem
from ledger_api.flow import CHANGE, ITEM_CHANGE
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import region_subtree_clause
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams, paginate
from qq_kernel.problems import ProblemError

router = APIRouter(prefix="/candidates", tags=["candidates"])
propose_guard = require("service:ledger_candidate")
decide_guard = require("ledger:verify")


def _region_clause(principal: Principal):
    return region_subtree_clause(principal, CandidateItem.region_path)


async def decidable_candidate(
    candidate_id: str, session: Session, principal: Principal = Depends(decide_guard)
) -> CandidateItem:
    candidate = await session.scalar(
        select(CandidateItem).where(CandidateItem.id == candidate_id, _region_clause(principal)).with_for_update()
    )
    if candidate is None:
        raise ProblemError(404, detail="台账外欠款不存在")
    return candidate


@router.post(
    "",
    name="propose_candidate",
    response_model=schemas.CandidateOut,
    status_code=201,
    responses={200: {"description": "已存在（同一投诉只生成一条）", "model": schemas.CandidateOut}},
)
async def propose_candidate(
    body: schemas.CandidateIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(propose_guard),
) -> CandidateItem:
    """For complaint-api: a complaint about a debt that is not in the ledger."""
    candidate, created = await service.propose(session, principal=principal, request=request, body=body)
    await CHANGE.commit(session)
    if not created:
        response.status_code = 200
    set_etag(response, candidate.version)
    return candidate


@router.get("", name="list_candidates", response_model=Page[schemas.CandidateOut])
async def list_candidates(
    session: Session,
    principal: Principal = Depends(decide_guard),
    params: PageParams = Depends(PageParams.from_query),
    status: Literal["pending", "confirmed", "rejected"] | None = "pending",
) -> Page[schemas.CandidateOut]:
    query = select(CandidateItem).where(_region_clause(principal))
    if status:
        query = query.where(CandidateItem.status == status)
    rows, total = await paginate(session, query.order_by(CandidateItem.created_at, CandidateItem.id), params)
    return Page.of(
        [schemas.CandidateOut.model_validate(r) for r in rows],
        total,
        params,
    )


@router.post("/{candidate_id}/confirm", name="confirm_candidate", response_model=schemas.CandidateOut)
async def confirm_candidate(
    body: schemas.CandidateConfirm,
    request: Request,
    response: Response,
    session: Session,
    candidate: CandidateItem = Depends(decidable_candidate),
    principal: Principal = Depends(decide_guard),
) -> CandidateItem:
    check_if_match(request, candidate.version)
    item = await service.confirm(session, principal=principal, request=request, candidate=candidate, body=body)
    await ITEM_CHANGE.commit(session, item)  # a new item is evaluated at once, like any other
    set_etag(response, candidate.version)
    return candidate


@router.post("/{candidate_id}/reject", name="reject_candidate", response_model=schemas.CandidateOut)
async def reject_candidate(
    body: schemas.CandidateReject,
    request: Request,
    response: Response,
    session: Session,
    candidate: CandidateItem = Depends(decidable_candidate),
    principal: Principal = Depends(decide_guard),
) -> CandidateItem:
    check_if_match(request, candidate.version)
    await service.reject(session, principal=principal, request=request, candidate=candidate, reason=body.reason)
    await CHANGE.commit(session)
    set_etag(response, candidate.version)
    return candidate
