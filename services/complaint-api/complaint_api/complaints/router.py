"""HTTP of complaints: platform intake, staff registration, the workbench queue, the complaint
page and one route per workflow action (states.py is the table behind them)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.audit.models import AUDIT
from complaint_api.complaints import queue, schemas, service
from complaint_api.complaints.dependencies import (
    acting_on,
    file_writable_complaint,
    guard_of,
    intake_complaints,
    platform_complaint,
    read_complaints,
    readable_complaint,
    write_complaints,
)
from complaint_api.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFile,
    ComplaintFileBlob,
    ExtensionRequest,
    SupervisionNotice,
)
from complaint_api.complaints.states import ACTION_PARTY, PARTY_LABELS, STATE_LABELS, TRANSITIONS, Action, State
from complaint_api.complaints.workflow import Context, perform, render_notice
from qq_kernel.auth.principal import Principal
from qq_kernel.concurrency import check_if_match, set_etag
from qq_kernel.db import get_session
from qq_kernel.files import ACCEPTED_KINDS_TEXT, FileKind, LimitedRead, file_response
from qq_kernel.ids import new_id
from qq_kernel.pagination import COUNT_CAP, capped_count
from qq_kernel.problems import ProblemError
from qq_kernel.uploads import read_evidence

router = APIRouter(tags=["complaints"])
Session = Annotated[AsyncSession, Depends(get_session)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNITS_PATH = "/api/ledger/org/units"


async def _out(request: Request, complaint: Complaint, *, reveal: bool = False) -> schemas.ComplaintOut:
    return service.complaint_out(
        complaint,
        cal=await service.calendar(request),
        r=service.rules(request),
        on=service.today(request),
        reveal=reveal,
    )


async def _context(request: Request, session: AsyncSession, principal: Principal) -> Context:
    return Context(
        session,
        request,
        principal,
        on=service.today(request),
        calendar=await service.calendar(request),
        rules=service.rules(request),
    )


# ---------------------------------------------------------------- intake


@router.post(
    "/intake",
    name="intake_complaint",
    response_model=schemas.ComplaintOut,
    status_code=201,
    responses={
        200: {"description": "重复推送：返回已有投诉（与首次推送的响应相同）", "model": schemas.ComplaintOut},
        409: {"description": "同一平台编号以不同内容推送：errors 列出不同的字段"},
    },
)
async def intake_complaint(
    body: schemas.PlatformIntake,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(intake_complaints),
) -> schemas.ComplaintOut:
    """The complaint platform's intake (API token, scope ``complaints:intake``). Idempotent on
    (integration account, ``platform_complaint_id``)."""
    complaint, created = await service.intake(
        session, principal=principal, request=request, body=body, on=service.today(request)
    )
    await session.commit()
    response.status_code = 201 if created else 200
    set_etag(response, complaint.version)
    return await _out(request, complaint)


@router.post(
    "/intake/{platform_complaint_id}/files",
    name="intake_complaint_file",
    response_model=schemas.FileOut,
    status_code=201,
    responses={200: {"description": "同一文件已上传过（按 SHA-256）：返回已有记录", "model": schemas.FileOut}},
)
async def intake_complaint_file(
    request: Request,
    response: Response,
    session: Session,
    file: Annotated[UploadFile, File(description=f"{ACCEPTED_KINDS_TEXT}，不超过 20 MB")],
    complaint: Complaint = Depends(platform_complaint),
    principal: Principal = Depends(intake_complaints),
) -> ComplaintFile:
    """The platform's evidence of a complaint it sent (the ledger's evidence rules). Idempotent
    on the file's content: the same bytes again answer 200 with the first record."""
    _check_files_open(complaint)
    read, kind = await read_evidence(file)
    record, created = await _store_file(request, session, complaint, principal, file, read, kind, "evidence")
    if not created:
        response.status_code = 200
    return record


@router.post("/complaints", name="register_complaint", response_model=schemas.ComplaintOut, status_code=201)
async def register_complaint(
    body: schemas.StaffRegistration,
    request: Request,
    response: Response,
    session: Session,
    principal: Principal = Depends(write_complaints),
) -> schemas.ComplaintOut:
    """Staff register a complaint received by phone, letter or in person (for the office of
    their region, which accepts or refuses it)."""
    complaint = await service.register(
        session, principal=principal, request=request, body=body, on=service.today(request)
    )
    await session.commit()
    set_etag(response, complaint.version)
    return await _out(request, complaint)


# ---------------------------------------------------------------- reading


@router.get("/complaints", name="list_complaints", response_model=schemas.QueuePage)
async def list_complaints(
    request: Request,
    session: Session,
    principal: Principal = Depends(read_complaints),
    sort: queue.Sort = Query("due", description="due 按当前期限（仅列出期限在计时的投诉）/ received 按收到时间"),
    status: Annotated[list[State] | None, Query(description="状态（可多选）")] = None,
    unit_id: str | None = Query(None, max_length=36, description="承办单位"),
    overdue: bool = Query(False, description="只看已超期的"),
    warning: bool = Query(False, description="只看已进入预警期（含超期）的"),
    provisional: bool | None = Query(None, description="期限是否为暂定（跨入未录入节假日安排的年份）"),
    cursor: str | None = Query(None, max_length=200, description="上一页返回的 next_cursor"),
    limit: int = Query(20, ge=1, le=100),
) -> schemas.QueuePage:
    on = service.today(request)
    due_before = None
    if overdue:
        due_before = on.fromordinal(on.toordinal() - 1)
    elif warning:
        cal = await service.calendar(request)
        due_before = cal.add_workdays_provisional(on, service.rules(request).warning_workdays).day
    filtered = queue.queue_query(
        principal,
        sort=sort,
        statuses=[s.value for s in status] if status else None,
        unit_id=unit_id,
        due_before=due_before,
        provisional=provisional,
    )
    rows = list(await session.scalars(queue.page_query(filtered, sort=sort, cursor=cursor, limit=limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    # Counted on the ids alone: the queue indexes answer it without the wide rows.
    total, exact = await capped_count(session, filtered.with_only_columns(Complaint.id), COUNT_CAP)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = queue.encode_cursor(last.next_due if sort == "due" else last.received_at, last.id)
    return schemas.QueuePage(
        items=[
            schemas.QueueRow(
                id=c.id,
                complaint_no=c.complaint_no,
                status=c.status,
                status_label=STATE_LABELS[State(c.status)],
                complainant_name=c.complainant_name,
                respondent_name=c.respondent_name,
                amount=f"{c.amount:.2f}",
                handling_unit_id=c.handling_unit_id,
                received_on=c.received_on,
                next_due=c.next_due,
                next_due_provisional=c.next_due_provisional,
                overdue=c.next_due is not None and on > c.next_due,
                version=c.version,
            )
            for c in rows
        ],
        total=total,
        total_exact=exact,
        next_cursor=next_cursor,
    )


@router.get("/complaints/{complaint_id}", name="get_complaint", response_model=schemas.ComplaintOut)
async def get_complaint(
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(readable_complaint),
    principal: Principal = Depends(read_complaints),
    reveal: bool = Query(False, description="显示完整联系方式（需个人信息查看权限，且被记录）"),
) -> schemas.ComplaintOut:
    if reveal:
        if not principal.can("personal_data:read"):
            raise ProblemError(403, detail="无权查看完整联系方式")
        await AUDIT.record(
            session,
            action="complaint.contact_viewed",
            principal=principal,
            request=request,
            object_type="complaint",
            object_id=complaint.id,
            unit_id=complaint.handling_unit_id,
            region_path=complaint.region_path,
        )
        await session.commit()
    set_etag(response, complaint.version)
    return await _out(request, complaint, reveal=reveal)


@router.get("/complaints/{complaint_id}/actions", name="complaint_actions", response_model=schemas.ActionsOut)
async def complaint_actions(
    complaint: Complaint = Depends(readable_complaint), principal: Principal = Depends(read_complaints)
) -> schemas.ActionsOut:
    """What the state allows, and which of it this user may do (the complaint page shows only those)."""
    return schemas.ActionsOut(
        status=complaint.status,
        allowed=[t.action.value for t in TRANSITIONS if t.state.value == complaint.status],
        mine=service.my_actions(principal, complaint),
    )


@router.get("/complaints/{complaint_id}/events", name="complaint_timeline", response_model=list[schemas.EventOut])
async def complaint_timeline(
    session: Session, complaint: Complaint = Depends(readable_complaint)
) -> list[ComplaintEvent]:
    return list(
        await session.scalars(
            select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)
        )
    )


@router.get("/complaints/{complaint_id}/extensions", name="list_extensions", response_model=list[schemas.ExtensionOut])
async def list_extensions(
    session: Session, complaint: Complaint = Depends(readable_complaint)
) -> list[ExtensionRequest]:
    return list(
        await session.scalars(
            select(ExtensionRequest)
            .where(ExtensionRequest.complaint_id == complaint.id)
            .order_by(ExtensionRequest.requested_at)
        )
    )


# ---------------------------------------------------------------- files


@router.get("/complaints/{complaint_id}/files", name="list_complaint_files", response_model=list[schemas.FileOut])
async def list_complaint_files(
    session: Session, complaint: Complaint = Depends(readable_complaint)
) -> list[ComplaintFile]:
    return list(
        await session.scalars(
            select(ComplaintFile).where(ComplaintFile.complaint_id == complaint.id).order_by(ComplaintFile.uploaded_at)
        )
    )


@router.post(
    "/complaints/{complaint_id}/files",
    name="upload_complaint_file",
    response_model=schemas.FileOut,
    status_code=201,
    responses={200: {"description": "同一文件已上传过（按 SHA-256）：返回已有记录", "model": schemas.FileOut}},
)
async def upload_complaint_file(
    request: Request,
    response: Response,
    session: Session,
    file: Annotated[UploadFile, File(description=f"{ACCEPTED_KINDS_TEXT}，不超过 20 MB")],
    purpose: Annotated[schemas.FilePurpose, Form(description="evidence 投诉证据 / reply 反馈附件")] = "evidence",
    complaint: Complaint = Depends(file_writable_complaint),
    principal: Principal = Depends(write_complaints),
) -> ComplaintFile:
    """Evidence is the office's, reply attachments the handling unit's (the parties of accepting
    and of replying)."""
    party = ACTION_PARTY[Action.reply] if purpose == "reply" else ACTION_PARTY[Action.accept]
    if not service.is_party(principal, complaint, party):
        raise ProblemError(
            403, code="not_party", detail=f"只有{PARTY_LABELS[party]}可以上传{schemas.FILE_PURPOSE_LABELS[purpose]}"
        )
    _check_files_open(complaint)
    read, kind = await read_evidence(file)
    record, created = await _store_file(request, session, complaint, principal, file, read, kind, purpose)
    if not created:
        response.status_code = 200
    return record


# A complaint that is finished (办结) or was never taken up (不予受理) takes no more files.
FILES_CLOSED_STATES = frozenset({State.closed, State.not_accepted})


def _check_files_open(complaint: Complaint) -> None:
    if complaint.status in FILES_CLOSED_STATES:
        label = STATE_LABELS[State(complaint.status)]
        raise ProblemError(
            409,
            code="complaint_files_closed",
            detail=f"投诉当前状态为“{label}”（{complaint.status}），不能再上传材料",
            extensions={"state": complaint.status},
        )


async def _store_file(
    request: Request,
    session: AsyncSession,
    complaint: Complaint,
    principal: Principal,
    file: UploadFile,
    read: LimitedRead,
    kind: FileKind,
    purpose: str,
) -> tuple[ComplaintFile, bool]:
    """Stores the file once per (complaint, purpose, content): a concurrent upload of the same
    bytes finds the unique index and answers with the first record. ``(record, created)``."""
    # The complaint row lock serialises this complaint's uploads, so the cap holds under concurrency.
    await session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
    existing = await _file_by_content(session, complaint.id, purpose, read.sha256)
    if existing is not None:
        return existing, False
    cap = request.app.state.settings.max_files_per_purpose
    held = await session.scalar(
        select(func.count())
        .select_from(ComplaintFile)
        .where(ComplaintFile.complaint_id == complaint.id, ComplaintFile.purpose == purpose)
    )
    if held >= cap:
        raise ProblemError(
            409,
            code="too_many_files",
            detail=f"该投诉的{schemas.FILE_PURPOSE_LABELS[purpose]}已达上限 {cap} 个",
            errors=[{"field": "file", "code": "too_many_files", "message": f"最多 {cap} 个"}],
        )
    file_id = await session.scalar(
        pg_insert(ComplaintFile)
        .values(
            id=new_id(),
            complaint_id=complaint.id,
            purpose=purpose,
            filename=(file.filename or f"{purpose}.{kind.extension}")[:255],
            media_type=kind.media_type,
            size=read.size,
            sha256=read.sha256,
            uploaded_by=service.actor_id(principal),
        )
        .on_conflict_do_nothing(index_elements=["complaint_id", "purpose", "sha256"])
        .returning(ComplaintFile.id)
    )
    if file_id is None:
        return await _file_by_content(session, complaint.id, purpose, read.sha256), False
    record = await session.get(ComplaintFile, file_id)
    session.add(ComplaintFileBlob(file_id=record.id, content=read.data))
    await service.record_event(
        session,
        request,
        complaint,
        kind="file_uploaded",
        principal=principal,
        before=None,
        note=record.filename,
        data={"file_id": record.id, "purpose": purpose, "sha256": read.sha256, "size": read.size},
        from_status=complaint.status,
    )
    await session.commit()
    return record, True


async def _file_by_content(session: AsyncSession, complaint_id: str, purpose: str, sha256: str) -> ComplaintFile | None:
    return await session.scalar(
        select(ComplaintFile).where(
            ComplaintFile.complaint_id == complaint_id, ComplaintFile.purpose == purpose, ComplaintFile.sha256 == sha256
        )
    )


@router.get("/complaints/{complaint_id}/files/{file_id}", name="download_complaint_file")
async def download_complaint_file(
    file_id: str, session: Session, complaint: Complaint = Depends(readable_complaint)
) -> Response:
    row = (
        await session.execute(
            select(ComplaintFile, ComplaintFileBlob.content)
            .join(ComplaintFileBlob, ComplaintFileBlob.file_id == ComplaintFile.id)
            .where(ComplaintFile.id == file_id, ComplaintFile.complaint_id == complaint.id)
        )
    ).first()
    if row is None:
        raise ProblemError(404, detail="文件不存在")
    record, content = row
    return file_response(content, media_type=record.media_type, filename=record.filename, etag=record.sha256)


@router.get("/complaints/{complaint_id}/notices/{complaint_notice_id}/document", name="supervision_notice_document")
async def supervision_notice_document(
    complaint_notice_id: str, session: Session, complaint: Complaint = Depends(readable_complaint)
) -> Response:
    notice = await session.scalar(
        select(SupervisionNotice).where(
            SupervisionNotice.id == complaint_notice_id, SupervisionNotice.complaint_id == complaint.id
        )
    )
    if notice is None:
        raise ProblemError(404, detail="督办通知书不存在")
    return file_response(
        render_notice(notice.snapshot), media_type=DOCX, filename=f"督办通知书-{notice.notice_no}.docx"
    )


# ---------------------------------------------------------------- actions


async def _act(
    request: Request,
    response: Response,
    session: AsyncSession,
    principal: Principal,
    complaint: Complaint,
    action: Action,
    body: Any = None,
    **kwargs: Any,
) -> dict[str, Any]:
    if request.headers.get("if-match"):
        check_if_match(request, complaint.version)
    result = await perform(await _context(request, session, principal), complaint, action, body, **kwargs)
    await session.commit()
    set_etag(response, complaint.version)
    return result


async def _units(request: Request) -> dict[str, dict]:
    """The units the caller sees, from ledger-api (the organisation's owner), asked with the
    caller's own token: an office can assign only to a unit it sees."""
    try:
        r = await request.app.state.http.get(
            UNITS_PATH, headers={"Authorization": request.headers.get("authorization", "")}, auth=None
        )
    except httpx.HTTPError as exc:
        raise ProblemError(503, code="ledger_unavailable", detail="暂时无法读取组织机构，请稍后重试") from exc
    if r.status_code != 200:
        raise ProblemError(503, code="ledger_unavailable", detail="暂时无法读取组织机构，请稍后重试")
    return {u["id"]: u for u in r.json()}


def _action_route(action: Action, path: str, body_model: type, summary: str) -> None:
    """One POST route per action; the body model is validated by FastAPI."""
    dependency = acting_on(action)
    guard = guard_of(action)

    async def endpoint(
        body,
        request: Request,
        response: Response,
        session: Session,
        complaint: Complaint = Depends(dependency),
        principal: Principal = Depends(guard),
    ) -> schemas.ComplaintOut:
        await _act(request, response, session, principal, complaint, action, body)
        return await _out(request, complaint)

    # The annotations are strings here (postponed evaluation): give FastAPI the real classes.
    endpoint.__annotations__.update(body=body_model, request=Request, response=Response, session=Session)
    endpoint.__annotations__.update(complaint=Complaint, principal=Principal, **{"return": schemas.ComplaintOut})
    endpoint.__name__ = f"{action.value}_complaint"
    router.add_api_route(
        f"/complaints/{{complaint_id}}/{path}",
        endpoint,
        methods=["POST"],
        name=f"{action.value}_complaint",
        response_model=schemas.ComplaintOut,
        summary=summary,
    )


_action_route(Action.accept, "accept", schemas.NoteIn, "正式受理")
_action_route(Action.reject, "reject", schemas.RejectIn, "不予受理（法定理由 + 书面说明）")
_action_route(Action.start, "start", schemas.NoteIn, "承办单位签收办理")
_action_route(Action.return_, "return", schemas.ReasonIn, "承办单位退回（分办不当）")
_action_route(Action.urge, "urge", schemas.UrgeIn, "催办")
_action_route(Action.reply, "reply", schemas.ReplyIn, "书面反馈处理结果")
_action_route(Action.revisit, "revisit", schemas.RevisitIn, "回访复核（满意度）")
_action_route(Action.reopen, "reopen", schemas.ReasonIn, "重新办理")
_action_route(Action.review, "review", schemas.NoteIn, "转复核")
_action_route(Action.close, "close", schemas.NoteIn, "办结")


@router.post("/complaints/{complaint_id}/assign", name="assign_complaint", response_model=schemas.ComplaintOut)
async def assign_complaint(
    body: schemas.AssignIn,
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(acting_on(Action.assign)),
    principal: Principal = Depends(guard_of(Action.assign)),
) -> schemas.ComplaintOut:
    """分办 (also the reassignment of a returned complaint) to a unit of the complaint's region."""
    service.check_action(principal, complaint, Action.assign)  # 409 before asking ledger-api
    unit = (await _units(request)).get(body.unit_id)
    if unit is None or not unit.get("active", True) or not unit["region_path"].startswith(complaint.region_path):
        raise ProblemError(
            422,
            detail="unit_id: 承办单位不存在或不在本投诉的行政区划内",
            errors=[{"field": "unit_id", "message": "承办单位不存在或不在本投诉的行政区划内", "code": "not_found"}],
        )
    await _act(request, response, session, principal, complaint, Action.assign, body, unit=unit)
    return await _out(request, complaint)


@router.post("/complaints/{complaint_id}/supervise", name="supervise_complaint", response_model=schemas.NoticeOut)
async def supervise_complaint(
    body: schemas.SuperviseIn,
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(acting_on(Action.supervise)),
    principal: Principal = Depends(guard_of(Action.supervise)),
) -> SupervisionNotice:
    """督办: issues a 督办通知书 (.docx at …/notices/{id}/document) to the handling unit."""
    service.check_action(principal, complaint, Action.supervise)
    units = await _units(request)
    names = {
        "office_name": (units.get(principal.unit_id or "") or {}).get("name"),
        "unit_name": (units.get(complaint.handling_unit_id or "") or {}).get("name"),
    }
    result = await _act(request, response, session, principal, complaint, Action.supervise, body, unit=names)
    return result["notice"]


@router.post(
    "/complaints/{complaint_id}/extensions",
    name="request_extension",
    response_model=schemas.ExtensionOut,
    status_code=201,
)
async def request_extension(
    body: schemas.ExtensionIn,
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(acting_on(Action.request_extension)),
    principal: Principal = Depends(guard_of(Action.request_extension)),
) -> ExtensionRequest:
    """申请延长办理期限; the handling unit's leader decides (never the requester)."""
    result = await _act(request, response, session, principal, complaint, Action.request_extension, body)
    return result["extension"]


async def _decide(
    action: Action,
    extension_id: str,
    body: schemas.DecisionIn,
    request: Request,
    response: Response,
    session: AsyncSession,
    complaint: Complaint,
    principal: Principal,
) -> ExtensionRequest:
    service.check_action(principal, complaint, action)  # the state before the request it names
    extension = await session.scalar(
        select(ExtensionRequest)
        .where(ExtensionRequest.id == extension_id, ExtensionRequest.complaint_id == complaint.id)
        .with_for_update()
    )
    if extension is None:
        raise ProblemError(404, detail="延期申请不存在")
    result = await _act(
        request, response, session, principal, complaint, action, {"extension": extension, "note": body.note}
    )
    return result["extension"]


@router.post(
    "/complaints/{complaint_id}/extensions/{extension_id}/approve",
    name="approve_extension",
    response_model=schemas.ExtensionOut,
)
async def approve_extension(
    extension_id: str,
    body: schemas.DecisionIn,
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(acting_on(Action.approve_extension)),
    principal: Principal = Depends(guard_of(Action.approve_extension)),
) -> ExtensionRequest:
    return await _decide(Action.approve_extension, extension_id, body, request, response, session, complaint, principal)


@router.post(
    "/complaints/{complaint_id}/extensions/{extension_id}/reject",
    name="reject_extension",
    response_model=schemas.ExtensionOut,
)
async def reject_extension(
    extension_id: str,
    body: schemas.DecisionIn,
    request: Request,
    response: Response,
    session: Session,
    complaint: Complaint = Depends(acting_on(Action.reject_extension)),
    principal: Principal = Depends(guard_of(Action.reject_extension)),
) -> ExtensionRequest:
    return await _decide(Action.reject_extension, extension_id, body, request, response, session, complaint, principal)
