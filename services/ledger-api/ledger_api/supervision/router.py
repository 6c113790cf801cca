"""HTTP of supervision: key cases, interviews, supervision notices."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, select

from ledger_api.flow import CHANGE
from ledger_api.ledger.access import audit_item, item_scope, load_item
from ledger_api.ledger.dependencies import read_ledger, readable_item
from ledger_api.ledger.models import ArrearsItem
from ledger_api.supervision import schemas, service
from ledger_api.supervision.document import render_notice
from ledger_api.supervision.models import Interview, KeyCase, SupervisionNotice
from qq_kernel.auth.permissions import require
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import Session
from qq_kernel.files import file_response
from qq_kernel.pagination import Page, PageParams
from qq_kernel.problems import ProblemError

router = APIRouter(tags=["supervision"])
supervise = require("ledger:supervise")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def supervised_item(item_id: str, session: Session, principal: Principal = Depends(supervise)) -> ArrearsItem:
    return await load_item(session, principal, item_id, lock=True)


@router.post("/items/{item_id}/key-case", name="mark_key_case", response_model=schemas.KeyCaseOut, status_code=201)
async def mark_key_case(
    body: schemas.KeyCaseIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(supervised_item),
    principal: Principal = Depends(supervise),
) -> KeyCase:
    case = await service.mark_key_case(session, principal=principal, request=request, item=item, body=body)
    await CHANGE.commit(session)
    set_etag(response, case.version)
    return case


@router.get("/items/{item_id}/key-cases", name="list_item_key_cases", response_model=list[schemas.KeyCaseOut])
async def list_item_key_cases(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[KeyCase]:
    return list(await session.scalars(select(KeyCase).where(KeyCase.item_id == item.id).order_by(KeyCase.marked_at)))


@router.post("/items/{item_id}/key-cases/{key_case_id}/close", name="close_key_case", response_model=schemas.KeyCaseOut)
async def close_key_case(
    key_case_id: str,
    body: schemas.KeyCaseClose,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(supervised_item),
    principal: Principal = Depends(supervise),
) -> KeyCase:
    case = await session.scalar(select(KeyCase).where(KeyCase.id == key_case_id, KeyCase.item_id == item.id))
    if case is None:
        raise ProblemError(404, detail="重点督办记录不存在")
    check_if_match(request, case.version)
    await service.close_key_case(session, principal=principal, request=request, item=item, case=case, note=body.note)
    await CHANGE.commit(session)
    set_etag(response, case.version)
    return case


@router.get("/key-cases", name="list_key_cases", response_model=Page[schemas.KeyCaseRow])
async def list_key_cases(
    session: Session,
    principal: Principal = Depends(read_ledger),
    params: PageParams = Depends(PageParams.from_query),
    open_only: bool = Query(True, description="只看未结束的督办"),
    overdue: bool | None = Query(None, description="已过督办期限"),
) -> Page[schemas.KeyCaseRow]:
    query = (
        select(KeyCase, ArrearsItem).join(ArrearsItem, ArrearsItem.id == KeyCase.item_id).where(item_scope(principal))
    )
    if open_only:
        query = query.where(KeyCase.closed_at.is_(None))
    if overdue is not None:
        late = KeyCase.deadline < china_today()
        query = query.where(late if overdue else ~late)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (
        await session.execute(
            query.order_by(KeyCase.deadline, KeyCase.id).limit(params.page_size).offset(params.offset)
        )
    ).all()
    items = [
        schemas.KeyCaseRow(
            **schemas.KeyCaseOut.model_validate(case).model_dump(),
            ledger_no=item.ledger_no,
            contract_name=item.contract_name,
            responsible_unit_id=item.responsible_unit_id,
            outstanding=str(item.outstanding),
            status=item.status,
        )
        for case, item in rows
    ]
    return Page.of(items, total, params)


@router.post(
    "/items/{item_id}/interviews", name="record_interview", response_model=schemas.InterviewOut, status_code=201
)
async def record_interview(
    body: schemas.InterviewIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(supervised_item),
    principal: Principal = Depends(supervise),
) -> Interview:
    interview = await service.record_interview(session, principal=principal, request=request, item=item, body=body)
    await CHANGE.commit(session)
    return interview


@router.get("/items/{item_id}/interviews", name="list_interviews", response_model=list[schemas.InterviewOut])
async def list_interviews(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[Interview]:
    return list(
        await session.scalars(select(Interview).where(Interview.item_id == item.id).order_by(Interview.held_on))
    )


@router.post("/items/{item_id}/notices", name="issue_notice", response_model=schemas.NoticeOut, status_code=201)
async def issue_notice(
    body: schemas.NoticeIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(supervised_item),
    principal: Principal = Depends(supervise),
) -> SupervisionNotice:
    notice = await service.issue_notice(session, principal=principal, request=request, item=item, body=body)
    await CHANGE.commit(session)
    return notice


@router.get("/items/{item_id}/notices", name="list_notices", response_model=list[schemas.NoticeOut])
async def list_notices(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[SupervisionNotice]:
    return list(
        await session.scalars(
            select(SupervisionNotice).where(SupervisionNotice.item_id == item.id).order_by(SupervisionNotice.issued_at)
        )
    )


BINARY = {"type": "string", "format": "binary"}


@router.get(
    "/items/{item_id}/notices/{notice_id}/document",
    name="download_notice",
    response_class=Response,
    responses={200: {"description": "督办通知书（Word）", "content": {DOCX: {"schema": BINARY}}}},
)
async def download_notice(
    notice_id: str,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(readable_item),
    principal: Principal = Depends(read_ledger),
) -> Response:
    """The notice as a Word document, rendered from what was issued; every download is logged."""
    notice = await session.scalar(
        select(SupervisionNotice).where(SupervisionNotice.id == notice_id, SupervisionNotice.item_id == item.id)
    )
    if notice is None:
        raise ProblemError(404, detail="督办书不存在")
    await audit_item(
        session, item, action="notice.downloaded", principal=principal, request=request, after={"notice_id": notice.id}
    )
    await CHANGE.commit(session)
    return file_response(
        render_notice(notice.snapshot), media_type=DOCX, filename=f"督办通知书-{notice.notice_no}.docx"
    )
