"""HTTP of the ledger's items: /items, their repayments, adjustments, evidence, write-off, history."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AuditLog
from ledger_api.flags.schemas import FlagKind
from ledger_api.flow import CHANGE, ITEM_CHANGE
from ledger_api.identity.models import User
from ledger_api.ledger import access, items, listing, repayments, schemas
from ledger_api.ledger import evidence as evidence_rules
from ledger_api.ledger.dependencies import (
    court_record,
    read_items,
    read_ledger,
    readable_item,
    verifiable_item,
    verify_ledger,
    versioned_verifiable_item,
    versioned_writable_item,
    viewable_item,
    writable_item,
    write_ledger,
)
from ledger_api.ledger.models import (
    ArrearsItem,
    EvidenceFile,
    FundingLine,
    Repayment,
)
from qq_kernel import pagination
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_params
from qq_kernel.concurrency import set_etag
from qq_kernel.db import Session
from qq_kernel.files import FileKind, file_response
from qq_kernel.pagination import Page, PageParams
from qq_kernel.problems import Problem, ProblemError
from qq_kernel.uploads import read_evidence

items_router = APIRouter(prefix="/items", tags=["items"])


# ---------------------------------------------------------------- items


ItemSort = Literal["created_at", "-created_at", "outstanding", "-outstanding", "due_date", "-due_date", "ledger_no"]
assert set(get_args(ItemSort)) == set(listing.ITEM_SORTS), "every sort the API offers has its ORDER BY"


async def item_filters(
    unit_id: str | None = Query(None, description="责任单位"),
    region: str | None = Query(None, description="行政区划路径前缀，如 /99/9901/"),
    debtor_type: schemas.DebtorType | None = Query(None),
    status: list[schemas.ItemStatus] | None = Query(None),
    disputed: bool | None = Query(None),
    overdue: bool | None = Query(None, description="已过付款期限仍未清偿"),
    q: str | None = Query(
        None, min_length=1, max_length=64, description="拖欠主体、债权企业或合同名称片段，或台账编号（可只输尾号）"
    ),
    debtor_id: str | None = Query(None),
    creditor_id: str | None = Query(None),
    responsible_person_id: str | None = Query(None, description="责任人"),
    mine: bool = Query(False, description="只看我负责的"),
    key_case: bool | None = Query(None, description="重点督办中"),
    flag: FlagKind | None = Query(None, description="有该类在预警的明细"),
    flagged: bool | None = Query(None, description="有（true）或没有（false）任何在预警"),
    no_update_weeks: int | None = Query(None, ge=1, le=104, description="连续至少 N 个完整 ISO 周未更新周进展"),
) -> listing.ItemFilters:
    return listing.ItemFilters(
        unit_id=unit_id,
        region=region,
        debtor_type=debtor_type,
        status=tuple(status or ()),
        disputed=disputed,
        overdue=overdue,
        q=q.strip() or None if q else None,
        debtor_id=debtor_id,
        creditor_id=creditor_id,
        responsible_person_id=responsible_person_id,
        mine=mine,
        key_case=key_case,
        flag=flag,
        flagged=flagged,
        no_update_weeks=no_update_weeks,
    )


Filters = Annotated[listing.ItemFilters, Depends(item_filters)]


@items_router.get("", name="list_items", response_model=Page[schemas.ItemOut])
async def list_items(
    session: Session,
    filters: Filters,
    principal: Principal = Depends(read_items),
    params: PageParams = Depends(PageParams.from_query),
    sort: ItemSort = "-created_at",
) -> Page[schemas.ItemOut]:
    cap = pagination.COUNT_CAP
    values = listing.list_params(principal, filters)
    values.update(page_limit=params.page_size, page_offset=params.offset, count_limit=cap + 1)
    # Core rows on the session's connection: the ORM's execution layer would only add CPU here.
    conn = await session.connection()
    n = int((await conn.execute(listing.count_statement(principal, filters), values)).scalar() or 0)
    page = listing.page_statement(principal, filters, sort, few=n <= cap)
    rows = (await conn.execute(page, values)).all()
    # The hot path builds its page directly (Page.of would only add a call).
    return Page(
        items=listing.items_out(rows),
        total=min(n, cap),
        total_exact=n <= cap,
        page=params.page,
        page_size=params.page_size,
    )


@items_router.get("/totals", name="item_totals", response_model=schemas.Totals)
async def item_totals(
    session: Session, filters: Filters, principal: Principal = Depends(read_ledger)
) -> schemas.Totals:
    """Totals of the items the same filters select (void items counted, never summed)."""
    return await listing.totals(session, principal, filters)


@items_router.post("", name="create_item", response_model=schemas.ItemDetail, status_code=201)
async def create_item(
    body: schemas.ItemIn,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(write_ledger),
) -> schemas.ItemDetail:
    item = await items.create_item(session, principal=principal, request=request, body=body)
    await ITEM_CHANGE.commit(session, item)
    return await _detail(session, principal, item.id, response)


async def _detail(session: AsyncSession, principal: Principal, item_id: str, response: Response) -> schemas.ItemDetail:
    values = {**scope_params(principal), "item_id": item_id}
    row = (await session.execute(listing.one_item_statement(principal), values)).one_or_none()
    if row is None:
        raise ProblemError(404, detail="欠款明细不存在")
    out = schemas.ItemDetail.model_validate(row._asdict())
    lines = await session.scalars(
        select(FundingLine).where(FundingLine.item_id == item_id, FundingLine.withdrawn_at.is_(None))
    )
    out.funding_lines = [schemas.FundingLineOut.model_validate(fl) for fl in lines]
    set_etag(response, out.version)
    return out


@items_router.get("/{item_id}", name="get_item", response_model=schemas.ItemDetail)
async def get_item(
    item_id: str, response: Response, session: Session, principal: Principal = Depends(read_items)
) -> schemas.ItemDetail:
    # _detail reads the item within the caller's scope (404 otherwise): no separate load first.
    return await _detail(session, principal, item_id, response)


@items_router.patch("/{item_id}", name="update_item", response_model=schemas.ItemDetail)
async def update_item(
    body: schemas.ItemPatch,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(versioned_writable_item),
    principal: Principal = Depends(write_ledger),
) -> schemas.ItemDetail:
    changes = body.model_dump(exclude_unset=True)
    if "funding_lines" in changes and changes["funding_lines"] is not None:
        changes["funding_lines"] = [fl.model_dump() for fl in body.funding_lines]
    await items.update_item(session, principal=principal, request=request, item=item, changes=changes)
    await ITEM_CHANGE.commit(session, item)
    return await _detail(session, principal, item.id, response)


@items_router.post("/{item_id}/void", name="void_item", response_model=schemas.ItemDetail)
async def void_item(
    body: schemas.VoidIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(versioned_writable_item),
    principal: Principal = Depends(write_ledger),
) -> schemas.ItemDetail:
    await items.void_item(session, principal=principal, request=request, item=item, reason=body.reason)
    await ITEM_CHANGE.commit(session, item)
    return await _detail(session, principal, item.id, response)


async def court_item(item_id: str, session: Session, principal: Principal = Depends(court_record)) -> ArrearsItem:
    return await access.load_item(session, principal, item_id, lock=True)


@items_router.post("/{item_id}/court-record", name="record_court_case", response_model=schemas.ItemDetail)
async def record_court_case(
    body: schemas.CourtRecordIn,
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(court_item),
    principal: Principal = Depends(court_record),
) -> schemas.ItemDetail:
    """For the court enforcement bureau: case number and stage of a debt on the judicial route."""
    await items.record_court_case(
        session, principal=principal, request=request, item=item, court_case_no=body.court_case_no, stage=body.stage
    )
    await ITEM_CHANGE.commit(session, item)
    return await _detail(session, principal, item.id, response)


@items_router.post(
    "/{item_id}/write-off",
    name="write_off_item",
    response_model=schemas.ItemDetail,
    responses={
        409: {
            "model": schemas.WriteOffRefused,
            "content": {"application/problem+json": {}},
            "description": "不能销账：reasons 列出每一条原因",
        }
    },
)
async def write_off_item(
    request: Request,
    response: Response,
    session: Session,
    item: ArrearsItem = Depends(versioned_verifiable_item),
    principal: Principal = Depends(verify_ledger),
) -> schemas.ItemDetail:
    """销账: only when outstanding is exactly zero and every repayment is verified with evidence.
    Otherwise 409 ``write_off_refused`` with every failing condition in ``reasons``."""
    await repayments.write_off(session, principal=principal, request=request, item=item)
    await ITEM_CHANGE.commit(session, item)
    return await _detail(session, principal, item.id, response)


HISTORY_CAP = 500


@items_router.get("/{item_id}/history", name="item_history", response_model=list[schemas.HistoryEntry])
async def item_history(
    session: Session,
    item: ArrearsItem = Depends(viewable_item),
    limit: int = Query(200, ge=1, le=HISTORY_CAP, description=f"最近的多少条（上限 {HISTORY_CAP}），按时间先后排列"),
) -> list[AuditLog]:
    """The item's timeline, from the audit trail: who, when, what changed (the latest ``limit``
    entries, oldest first; the full trail is in the audit log)."""
    rows = await session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "item", AuditLog.object_id == item.id)
        .order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


# ---------------------------------------------------------------- repayments


async def _repayment_out(session: AsyncSession, repayment: Repayment) -> schemas.RepaymentOut:
    out = schemas.RepaymentOut.model_validate(repayment)
    out.evidence_count = await repayments.evidence_count(session, repayment.id)
    if repayment.verified_by:
        # By name: the reporting unit has no access to the office's people directory.
        out.verified_by_name = await session.scalar(select(User.display_name).where(User.id == repayment.verified_by))
    return out


@items_router.get("/{item_id}/repayments", name="list_repayments", response_model=list[schemas.RepaymentOut])
async def list_repayments(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[schemas.RepaymentOut]:
    rows = await session.scalars(select(Repayment).where(Repayment.item_id == item.id).order_by(Repayment.reported_at))
    return [await _repayment_out(session, r) for r in rows]


@items_router.post(
    "/{item_id}/repayments", name="report_repayment", response_model=schemas.RepaymentOut, status_code=201
)
async def report_repayment(
    body: schemas.RepaymentIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(writable_item),
    principal: Principal = Depends(write_ledger),
) -> schemas.RepaymentOut:
    repayment = await repayments.report_repayment(session, principal=principal, request=request, item=item, body=body)
    await ITEM_CHANGE.commit(session, item)
    return await _repayment_out(session, repayment)


@items_router.post(
    "/{item_id}/repayments/{repayment_id}/verify", name="verify_repayment", response_model=schemas.RepaymentOut
)
async def verify_repayment(
    repayment_id: str,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(verifiable_item),
    principal: Principal = Depends(verify_ledger),
) -> schemas.RepaymentOut:
    repayment = await repayments.load_repayment(session, item, repayment_id)
    await repayments.verify_repayment(session, principal=principal, request=request, item=item, repayment=repayment)
    await ITEM_CHANGE.commit(session, item)
    return await _repayment_out(session, repayment)


@items_router.post(
    "/{item_id}/repayments/{repayment_id}/reject", name="reject_repayment", response_model=schemas.RepaymentOut
)
async def reject_repayment(
    repayment_id: str,
    body: schemas.ReasonIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(verifiable_item),
    principal: Principal = Depends(verify_ledger),
) -> schemas.RepaymentOut:
    repayment = await repayments.load_repayment(session, item, repayment_id)
    await repayments.reject_repayment(
        session, principal=principal, request=request, item=item, repayment=repayment, reason=body.reason
    )
    await ITEM_CHANGE.commit(session, item)
    return await _repayment_out(session, repayment)


@items_router.post(
    "/{item_id}/repayments/{repayment_id}/reverse",
    name="reverse_repayment",
    response_model=schemas.RepaymentOut,
    status_code=201,
)
async def reverse_repayment(
    repayment_id: str,
    body: schemas.ReasonIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(verifiable_item),
    principal: Principal = Depends(verify_ledger),
) -> schemas.RepaymentOut:
    repayment = await repayments.load_repayment(session, item, repayment_id)
    reversal = await repayments.reverse_repayment(
        session, principal=principal, request=request, item=item, repayment=repayment, reason=body.reason
    )
    await ITEM_CHANGE.commit(session, item)
    return await _repayment_out(session, reversal)


@items_router.post(
    "/{item_id}/adjustments", name="add_adjustment", response_model=schemas.AdjustmentOut, status_code=201
)
async def add_adjustment(
    body: schemas.AdjustmentIn,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(verifiable_item),
    principal: Principal = Depends(verify_ledger),
):
    adjustment = await repayments.add_adjustment(session, principal=principal, request=request, item=item, body=body)
    await ITEM_CHANGE.commit(session, item)
    return adjustment


# ---------------------------------------------------------------- evidence


@items_router.post(
    "/{item_id}/evidence",
    name="upload_evidence",
    response_model=schemas.EvidenceOut,
    status_code=201,
    responses={
        415: {
            "model": Problem,
            "content": {"application/problem+json": {}},
            "description": "文件类型不被接受（按内容识别；含宏的 Office 文件、无法识别的内容）",
        }
    },
)
async def upload_evidence(
    request: Request,
    session: Session,
    file: Annotated[UploadFile, File(description="PDF、JPG、PNG、OFD、XLSX、DOCX，不超过 20 MB")],
    purpose: Annotated[Literal["receipt", "confirmation", "agreement", "other"], Form()] = "receipt",
    repayment_id: Annotated[str | None, Form()] = None,
    item: ArrearsItem = Depends(writable_item),
    principal: Principal = Depends(write_ledger),
) -> EvidenceFile:
    read, kind = await read_evidence(file)
    evidence = await evidence_rules.add_evidence(
        session,
        principal=principal,
        request=request,
        item=item,
        read=read,
        kind=kind,
        filename=file.filename,
        purpose=purpose,
        repayment_id=repayment_id,
    )
    await ITEM_CHANGE.commit(session, item)
    return evidence


@items_router.get("/{item_id}/evidence", name="list_evidence", response_model=list[schemas.EvidenceOut])
async def list_evidence(session: Session, item: ArrearsItem = Depends(readable_item)) -> list[EvidenceFile]:
    return list(
        await session.scalars(
            select(EvidenceFile).where(EvidenceFile.item_id == item.id).order_by(EvidenceFile.uploaded_at)
        )
    )


@items_router.get(
    "/{item_id}/evidence/{evidence_id}/content",
    name="download_evidence",
    response_class=Response,
    # The stored file in the type its bytes were sniffed as (qq_kernel.files.FileKind), never JSON.
    responses={
        200: {
            "description": "佐证材料原文件",
            "content": {kind.media_type: {"schema": {"type": "string", "format": "binary"}} for kind in FileKind},
        }
    },
)
async def download_evidence(
    evidence_id: str,
    request: Request,
    session: Session,
    item: ArrearsItem = Depends(readable_item),
    principal: Principal = Depends(read_ledger),
) -> Response:
    """Checked against the caller's scope (through the item) and logged."""
    evidence, content = await evidence_rules.open_evidence(
        session, principal=principal, request=request, item=item, evidence_id=evidence_id
    )
    await CHANGE.commit(session)
    return file_response(
        content, media_type=evidence.media_type, filename=evidence.filename, inline=True, etag=evidence.sha256
    )


ROUTERS = [items_router]
