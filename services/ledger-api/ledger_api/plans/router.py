"""HTTP of repayment plans: /items/{item_id}/plan, its history and installment extensions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from ledger_api.flow import ITEM_CHANGE
from ledger_api.ledger.dependencies import read_ledger, readable_item, writable_item, write_ledger
from ledger_api.ledger.models import ArrearsItem
from ledger_api.plans import schemas, service
from ledger_api.plans.models import RepaymentPlan
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today
from qq_kernel.concurrency import set_etag
from qq_kernel.db import Session
from qq_kernel.problems import ProblemError

router = APIRouter(prefix="/items", tags=["plans"])


@router.get("/{item_id}/plan", name="get_plan", response_model=schemas.PlanOut)
async def get_plan(
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(readable_item),
    principal: Principal = Depends(read_ledger),
) -> schemas.PlanOut:
    """The active plan with each installment's paid / unpaid / overdue state. The ETag is the
    item's: send it back in If-Match to replace the plan."""
    plan = await service.active_plan(session, item.id)
    if plan is None:
        raise ProblemError(404, code="no_plan", detail="该明细尚未制定还款计划")
    set_etag(response, item.version)
    return await service.plan_out(session, plan, item, china_today())


@router.get("/{item_id}/plans", name="list_plans", response_model=list[schemas.PlanOut])
async def list_plans(
    session: Session, item: ArrearsItem = Depends(readable_item), principal: Principal = Depends(read_ledger)
) -> list[schemas.PlanOut]:
    """Every plan of the item, newest first, superseded ones included."""
    plans = await session.scalars(
        select(RepaymentPlan).where(RepaymentPlan.item_id == item.id).order_by(RepaymentPlan.created_at.desc())
    )
    return [await service.plan_out(session, p, item, china_today()) for p in plans]


@router.put(
    "/{item_id}/plan",
    name="put_plan",
    response_model=schemas.PlanOut,
    responses={201: {"model": schemas.PlanOut, "description": "首次制定"}},
)
async def put_plan(
    body: schemas.PlanIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(writable_item),
    principal: Principal = Depends(write_ledger),
) -> schemas.PlanOut:
    """Agree a plan (201), or replace the active one (200; If-Match with the item's ETag required).
    The installments must add up to the item's outstanding amount exactly; an open item becomes
    化解中. The replaced plan is kept, marked superseded."""
    plan, created = await service.put_plan(session, principal=principal, request=request, item=item, body=body)
    await ITEM_CHANGE.commit(session, item)
    response.status_code = 201 if created else 200
    set_etag(response, item.version)
    return await service.plan_out(session, plan, item, china_today())


@router.post(
    "/{item_id}/plan/installments/{installment_id}/extend", name="extend_installment", response_model=schemas.PlanOut
)
async def extend_installment(
    installment_id: str,
    body: schemas.ExtensionIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(writable_item),
    principal: Principal = Depends(write_ledger),
) -> schemas.PlanOut:
    """延期: move an unpaid installment to a later date, with a reason; recorded and on the timeline."""
    await service.extend_installment(
        session,
        principal=principal,
        request=request,
        item=item,
        installment_id=installment_id,
        body=body,
        today=china_today(),
    )
    await ITEM_CHANGE.commit(session, item)
    plan = await service.active_plan(session, item.id)
    set_etag(response, item.version)
    return await service.plan_out(session, plan, item, china_today())
