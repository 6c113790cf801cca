"""HTTP of the registry: /debtors and /creditors of the caller's region."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from ledger_api.config import SCHEMA
from ledger_api.flow import CHANGE
from ledger_api.ledger import schemas
from ledger_api.ledger.dependencies import (
    read_ledger,
    write_ledger,
)
from ledger_api.ledger.models import (
    Creditor,
    Debtor,
)
from ledger_api.parties import service as parties
from qq_kernel import textsearch
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import set_etag
from qq_kernel.db import Session
from qq_kernel.pagination import Page, PageParams, paginate

router = APIRouter(tags=["registry"])


@router.post("/debtors", name="create_debtor", response_model=schemas.DebtorOut, status_code=201)
async def create_debtor(
    body: schemas.DebtorIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(write_ledger),
) -> Debtor:
    debtor = await parties.create_debtor(session, principal=principal, request=request, body=body)
    await CHANGE.commit(session)
    set_etag(response, debtor.version)
    return debtor


@router.get("/debtors", name="list_debtors", response_model=Page[schemas.DebtorOut])
async def list_debtors(
    session: Session,
    principal: Principal = Depends(read_ledger),
    params: PageParams = Depends(PageParams.from_query),
    q: str | None = Query(None, max_length=64, description="名称片段或信用代码"),
    type: schemas.DebtorType | None = None,
) -> Page[schemas.DebtorOut]:
    query = select(Debtor).where(parties.registry_clause(principal, Debtor.region_path))
    if q:
        query = query.where(textsearch.contains(SCHEMA, Debtor.name, q) | (Debtor.uscc == q.upper()))
    if type:
        query = query.where(Debtor.type == type)
    rows, total = await paginate(session, query.order_by(Debtor.name, Debtor.id), params)
    return Page.of(
        [schemas.DebtorOut.model_validate(r) for r in rows],
        total,
        params,
    )


@router.post("/creditors", name="create_creditor", response_model=schemas.CreditorOut, status_code=201)
async def create_creditor(
    body: schemas.CreditorIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(write_ledger),
) -> schemas.CreditorOut:
    creditor = await parties.create_creditor(session, principal=principal, request=request, body=body)
    await CHANGE.commit(session)
    set_etag(response, creditor.version)
    return parties.creditor_out(creditor, reveal=False)


@router.get("/creditors", name="list_creditors", response_model=Page[schemas.CreditorOut])
async def list_creditors(
    session: Session,
    principal: Principal = Depends(read_ledger),
    params: PageParams = Depends(PageParams.from_query),
    q: str | None = Query(None, max_length=64, description="名称片段或信用代码"),
) -> Page[schemas.CreditorOut]:
    """Contact data is always masked in lists (个人信息脱敏)."""
    query = select(Creditor).where(parties.registry_clause(principal, Creditor.region_path))
    if q:
        query = query.where(textsearch.contains(SCHEMA, Creditor.name, q) | (Creditor.uscc == q.upper()))
    rows, total = await paginate(session, query.order_by(Creditor.name, Creditor.id), params)
    return Page.of(
        [parties.creditor_out(r, reveal=False) for r in rows],
        total,
        params,
    )


@router.get("/creditors/{creditor_id}", name="get_creditor", response_model=schemas.CreditorOut)
async def get_creditor(
    creditor_id: str,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(read_ledger),
    reveal: bool = Query(False, description="显示完整联系方式（需个人信息查看权限，且被记录）"),
) -> schemas.CreditorOut:
    creditor = await parties.load_creditor(session, principal, creditor_id)
    if reveal:
        await parties.reveal_contact(session, principal=principal, request=request, creditor=creditor)
        await CHANGE.commit(session)
    set_etag(response, creditor.version)
    return parties.creditor_out(creditor, reveal=reveal)
