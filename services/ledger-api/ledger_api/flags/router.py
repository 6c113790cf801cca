"""HTTP of red flags (/items/{item_id}/flags, /flags), the arrears chain of an item, and the
reclassification of an undisputed item as disputed (/items/{item_id}/reclassify-disputed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger_api.flags import schemas, service
from ledger_api.flags.dependencies import approvable_item, approve_ledger
from ledger_api.flags.models import DisputeReclassification, RedFlag
from ledger_api.flow import ITEM_CHANGE
from ledger_api.ledger.access import item_scope
from ledger_api.ledger.dependencies import read_ledger, readable_item, writable_item, write_ledger
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import set_etag
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams

router = APIRouter(tags=["flags"])


@router.get("/items/{item_id}/flags", name="list_item_flags", response_model=list[schemas.FlagOut])
async def list_item_flags(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[schemas.FlagOut]:
    """Every flag the item has had, latest first, cleared ones included."""
    rows = await session.scalars(
        select(RedFlag).where(RedFlag.item_id == item.id).order_by(RedFlag.raised_at.desc(), RedFlag.id)
    )
    return [service.flag_out(f) for f in rows]


@router.get("/flags", name="list_flags", response_model=Page[schemas.FlagRow])
async def list_flags(
    session: Session,
    principal: Principal = Depends(read_ledger),
    params: PageParams = Depends(PageParams.from_query),
    kind: schemas.FlagKind | None = Query(None),
    unit_id: str | None = Query(None, description="责任单位"),
    active: bool | None = Query(None, description="true 仅在预警的；false 仅已解除的；不填为全部"),
    item_id: str | None = Query(None),
) -> Page[schemas.FlagRow]:
    """Flags on the items of the caller's data scope, latest first."""
    query = (
        select(
            RedFlag,
            ArrearsItem.ledger_no,
            ArrearsItem.contract_name,
            Debtor.name,
            ArrearsItem.responsible_unit_id,
            ArrearsItem.status,
        )
        .join(ArrearsItem, ArrearsItem.id == RedFlag.item_id)
        .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
        .where(item_scope(principal))
    )
    if kind:
        query = query.where(RedFlag.kind == kind)
    if unit_id:
        query = query.where(ArrearsItem.responsible_unit_id == unit_id)
    if active is not None:
        query = query.where(RedFlag.cleared_at.is_(None) if active else RedFlag.cleared_at.is_not(None))
    if item_id:
        query = query.where(RedFlag.item_id == item_id)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (
        await session.execute(
            query.order_by(RedFlag.raised_at.desc(), RedFlag.id).limit(params.page_size).offset(params.offset)
        )
    ).all()
    items = [
        schemas.FlagRow(
            **service.flag_out(flag).model_dump(),
            ledger_no=ledger_no,
            contract_name=contract,
            debtor_name=debtor,
            responsible_unit_id=unit,
            item_status=status,
        )
        for flag, ledger_no, contract, debtor, unit, status in rows
    ]
    return Page.of(items, total, params)


# Each side of a chain lists at most this many items (a state enterprise may owe thousands).
CHAIN_CAP = 100


async def _chain_items(session: AsyncSession, principal: Principal, condition) -> list[schemas.ChainItem]:
    """Up to CHAIN_CAP + 1 items: the extra one only says the side was cut."""
    debtor, creditor = aliased(Debtor), aliased(Creditor)
    rows = (
        await session.execute(
            select(ArrearsItem, debtor.name, creditor.name)
            .join(debtor, debtor.id == ArrearsItem.debtor_id)
            .join(creditor, creditor.id == ArrearsItem.creditor_id)
            .where(condition(debtor, creditor), ArrearsItem.status != "void", item_scope(principal))
            .order_by(ArrearsItem.ledger_no)
            .limit(CHAIN_CAP + 1)
        )
    ).all()
    return [
        schemas.ChainItem(
            id=i.id,
            ledger_no=i.ledger_no,
            contract_name=i.contract_name,
            debtor_name=d,
            creditor_name=c,
            status=i.status,
            outstanding=i.outstanding,
            verified_repaid=i.verified_repaid,
            responsible_unit_id=i.responsible_unit_id,
        )
        for i, d, c in rows
    ]


@router.get("/items/{item_id}/chain", name="item_chain", response_model=schemas.ChainOut)
async def item_chain(
    session: Session, item: ArrearsItem = Depends(readable_item), principal: Principal = Depends(read_ledger)
) -> schemas.ChainOut:
    """Arrears chain (欠款链条), matched by credit code: the debts owed to this item's debtor, and
    the debts of this item's creditor. Only items within the caller's data scope are listed."""
    debtor = await session.get(Debtor, item.debtor_id)
    creditor = await session.get(Creditor, item.creditor_id)
    others = ArrearsItem.id != item.id
    receivables = await _chain_items(session, principal, lambda d, c: (c.uscc == debtor.uscc) & others)
    payables = await _chain_items(session, principal, lambda d, c: (d.uscc == creditor.uscc) & others)
    return schemas.ChainOut(
        item_id=item.id,
        debtor_uscc=debtor.uscc,
        creditor_uscc=creditor.uscc,
        receivables_of_debtor=receivables[:CHAIN_CAP],
        payables_of_creditor=payables[:CHAIN_CAP],
        receivables_truncated=len(receivables) > CHAIN_CAP,
        payables_truncated=len(payables) > CHAIN_CAP,
    )


# ---------------------------------------------------------------- dispute reclassification


@router.post(
    "/items/{item_id}/reclassify-disputed",
    name="request_reclassification",
    response_model=schemas.ReclassificationOut,
    status_code=201,
)
async def request_reclassification(
    body: schemas.ReclassifyIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(writable_item),
    principal: Principal = Depends(write_ledger),
) -> DisputeReclassification:
    """Ask to reclassify an undisputed item as disputed, with a reason and a route. The item
    changes only when a leader of its responsible unit approves; the request raises the
    ``dispute_reclassified`` flag, which stays raised after approval."""
    row = await service.request_reclassification(session, principal=principal, request=request, item=item, body=body)
    await ITEM_CHANGE.commit(session, item)
    set_etag(response, row.version)
    return row


@router.get(
    "/items/{item_id}/reclassify-disputed",
    name="list_reclassifications",
    response_model=list[schemas.ReclassificationOut],
)
async def list_reclassifications(
    session: Session, item: ArrearsItem = Depends(readable_item)
) -> list[DisputeReclassification]:
    return list(
        await session.scalars(
            select(DisputeReclassification)
            .where(DisputeReclassification.item_id == item.id)
            .order_by(DisputeReclassification.requested_at.desc())
        )
    )


@router.post(
    "/items/{item_id}/reclassify-disputed/{reclassification_id}/approve",
    name="approve_reclassification",
    response_model=schemas.ReclassificationOut,
)
async def approve_reclassification(
    reclassification_id: str,
    body: schemas.DecisionIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(approvable_item),
    principal: Principal = Depends(approve_ledger),
) -> DisputeReclassification:
    """A leader of the responsible unit approves: the item becomes disputed with the requested route."""
    row = await service.load_reclassification(session, item, reclassification_id)
    await service.decide_reclassification(
        session, principal=principal, request=request, item=item, row=row, approve=True, note=body.note
    )
    await ITEM_CHANGE.commit(session, item)
    set_etag(response, row.version)
    return row


@router.post(
    "/items/{item_id}/reclassify-disputed/{reclassification_id}/reject",
    name="reject_reclassification",
    response_model=schemas.ReclassificationOut,
)
async def reject_reclassification(
    reclassification_id: str,
    body: schemas.RejectIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(approvable_item),
    principal: Principal = Depends(approve_ledger),
) -> DisputeReclassification:
    """A leader of the responsible unit rejects: the item stays undisputed and the flag clears."""
    row = await service.load_reclassification(session, item, reclassification_id)
    await service.decide_reclassification(
        session, principal=principal, request=request, item=item, row=row, approve=False, note=body.reason
    )
    await ITEM_CHANGE.commit(session, item)
    set_etag(response, row.version)
    return row
