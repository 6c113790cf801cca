"""Supervision rules: the office marks key cases, records interviews and issues notices."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import Region, Unit, User
from ledger_api.ledger.access import audit_item, ensure_open
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, YearlySequence
from ledger_api.supervision import schemas
from ledger_api.supervision.models import Interview, KeyCase, SupervisionNotice
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_scope
from qq_kernel.clock import china_today, now
from qq_kernel.numbering import next_yearly_value
from qq_kernel.problems import ProblemError, field_error


async def mark_key_case(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.KeyCaseIn
) -> KeyCase:
    ensure_open(item)
    supervisor = await session.get(User, body.supervisor_id)
    if (
        supervisor is None
        or not supervisor.active
        or not in_scope(principal, unit_id=supervisor.unit_id, region_path=supervisor.region_path)
        or "office_admin" not in supervisor.roles
    ):
        raise field_error("supervisor_id", "督办负责人须为本级专班办公室的在岗人员", "not_office")
    if body.deadline <= china_today():
        raise field_error("deadline", "督办期限应晚于今天", "past")
    if await session.scalar(select(KeyCase.id).where(KeyCase.item_id == item.id, KeyCase.closed_at.is_(None))):
        raise ProblemError(409, code="already_key_case", detail="该明细已列为重点督办")
    case = KeyCase(
        item_id=item.id,
        supervisor_id=supervisor.id,
        deadline=body.deadline,
        reason=body.reason,
        marked_by=principal.actor_id,
    )
    session.add(case)
    await session.flush()
    await audit_item(
        session,
        item,
        action="key_case.marked",
        principal=principal,
        request=request,
        after={"key_case_id": case.id, **body.model_dump(mode="json")},
    )
    return case


async def close_key_case(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, case: KeyCase, note: str
) -> KeyCase:
    if case.closed_at is not None:
        raise ProblemError(409, code="key_case_closed", detail="该督办已结束")
    case.closed_at, case.closed_by, case.close_note = now(), principal.user_id, note
    await session.flush()
    await audit_item(
        session,
        item,
        action="key_case.closed",
        principal=principal,
        request=request,
        after={"key_case_id": case.id},
        detail=note,
    )
    return case


async def record_interview(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.InterviewIn
) -> Interview:
    if body.held_on > china_today():
        raise field_error("held_on", "约谈日期不能晚于今天", "future")
    interview = Interview(item_id=item.id, recorded_by=principal.actor_id, **body.model_dump())
    session.add(interview)
    await session.flush()
    await audit_item(
        session,
        item,
        action="interview.recorded",
        principal=principal,
        request=request,
        after={"interview_id": interview.id, **body.model_dump(mode="json")},
    )
    return interview


async def issue_notice(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.NoticeIn
) -> SupervisionNotice:
    if body.reply_deadline <= china_today():
        raise field_error("reply_deadline", "反馈期限应晚于今天", "past")
    unit = await session.get(Unit, item.responsible_unit_id)
    region = await session.get(Region, unit.region_id)
    office = await session.scalar(select(Unit).where(Unit.region_id == region.id, Unit.is_office.is_(True)))
    debtor = await session.get(Debtor, item.debtor_id)
    creditor = await session.get(Creditor, item.creditor_id)
    year = china_today().year
    seq = await next_yearly_value(session, YearlySequence, series="supervision_notice", scope=region.code, year=year)
    notice_no = f"{region.name}清欠督〔{year}〕{seq}号"
    issued_at = now()
    snapshot = {
        "notice_no": notice_no,
        "office_name": office.name if office else f"{region.name}清欠专班办公室",
        "unit_name": unit.name,
        "ledger_no": item.ledger_no,
        "debtor_name": debtor.name,
        "creditor_name": creditor.name,
        "contract_name": item.contract_name,
        "principal": str(item.principal),
        "outstanding": str(item.outstanding),
        "as_of": china_today().isoformat(),
        "requirements": body.requirements,
        "reply_deadline": body.reply_deadline.isoformat(),
        "issued_at": issued_at.isoformat(),
    }
    notice = SupervisionNotice(
        item_id=item.id,
        region_code=region.code,
        year=year,
        seq=seq,
        notice_no=notice_no,
        to_unit_id=unit.id,
        requirements=body.requirements,
        reply_deadline=body.reply_deadline,
        snapshot=snapshot,
        issued_by=principal.actor_id,
        issued_at=issued_at,
    )
    session.add(notice)
    await session.flush()
    await audit_item(
        session,
        item,
        action="notice.issued",
        principal=principal,
        request=request,
        after={"notice_id": notice.id, "notice_no": notice_no},
    )
    return notice
