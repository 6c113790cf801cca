"""Rules of complaints: intake (idempotent), registration, the state machine applied, deadlines,
the timeline and the audit trail. HTTP lives in router.py; this module knows no routes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.audit.models import AUDIT
from complaint_api.complaints import deadlines, schemas
from complaint_api.complaints.deadlines import DeadlineRules
from complaint_api.complaints.models import INTAKE_CONSTRAINT, Complaint, ComplaintEvent
from complaint_api.complaints.states import (
    ACTION_LABELS,
    ACTION_PARTY,
    PARTY_LABELS,
    RESULT_STATES,
    STATE_LABELS,
    TRANSFER_STATES,
    Action,
    Party,
    State,
    Transition,
    allowed_actions,
    transition,
)
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_region_subtree, scope_clause
from qq_kernel.clock import china_today
from qq_kernel.masking import mask_name, mask_phone
from qq_kernel.problems import ProblemError
from qq_kernel.workdays import WorkCalendar

# ---------------------------------------------------------------- context of a request


def today(request: Request) -> date:
    """China's today; tests set ``app.state.today`` to the day they act on."""
    clock: Callable[[], date] = getattr(request.app.state, "today", None) or china_today
    return clock()


def rules(request: Request) -> DeadlineRules:
    return DeadlineRules.from_settings(request.app.state.settings)


async def calendar(request: Request) -> WorkCalendar:
    return await request.app.state.calendar_source.calendar()


def actor_id(principal: Principal) -> str:
    return principal.user_id or principal.subject


# ---------------------------------------------------------------- scope and parties


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """A unit sees the complaints assigned to it; the office (and auditors) their region subtree."""
    return scope_clause(principal, unit_col=Complaint.handling_unit_id, region_col=Complaint.region_path)


async def load(session: AsyncSession, principal: Principal, complaint_id: str, *, lock: bool = False) -> Complaint:
    query = select(Complaint).where(Complaint.id == complaint_id, visible_clause(principal))
    if lock:
        query = query.with_for_update()
    complaint = await session.scalar(query)
    if complaint is None:
        raise ProblemError(404, detail="投诉不存在")
    return complaint


def is_party(principal: Principal, complaint: Complaint, party: Party) -> bool:
    if party is Party.office:
        return (
            principal.can("complaints:triage")
            and principal.region_scoped
            and in_region_subtree(principal, complaint.region_path)
        )
    if party is Party.unit:
        return (
            principal.can("complaints:write")
            and bool(principal.unit_id)
            and principal.unit_id == complaint.handling_unit_id
        )
    return (
        principal.can("complaints:approve")
        and bool(principal.unit_id)
        and principal.unit_id == complaint.handling_unit_id
    )


def my_actions(principal: Principal, complaint: Complaint) -> list[str]:
    return [
        a.value for a in allowed_actions(State(complaint.status)) if is_party(principal, complaint, ACTION_PARTY[a])
    ]


def check_party(principal: Principal, complaint: Complaint, action: Action) -> None:
    """403 when this caller never takes this action on this complaint, whatever its state."""
    party = ACTION_PARTY[action]
    if not is_party(principal, complaint, party):
        raise ProblemError(403, code="not_party", detail=f"“{ACTION_LABELS[action]}”只能由{PARTY_LABELS[party]}办理")


def check_action(principal: Principal, complaint: Complaint, action: Action) -> Transition:
    """The party first (403), then the state (409 naming the actions the state allows)."""
    check_party(principal, complaint, action)
    state = State(complaint.status)
    step = transition(state, action)
    if step is None:
        allowed = allowed_actions(state)
        names = "、".join(f"{ACTION_LABELS[a]}（{a.value}）" for a in allowed) or "无"
        raise ProblemError(
            409,
            code="transition_not_allowed",
            detail=f"投诉处于“{STATE_LABELS[state]}”状态，不能{ACTION_LABELS[action]}；可执行的操作：{names}",
            extensions={"status": state.value, "allowed_actions": [a.value for a in allowed]},
        )
    return step


# ---------------------------------------------------------------- timeline and audit


def snapshot(c: Complaint) -> dict[str, Any]:
    return {
        "status": c.status,
        "handling_unit_id": c.handling_unit_id,
        "accepted_on": c.accepted_on.isoformat() if c.accepted_on else None,
        "assigned_on": c.assigned_on.isoformat() if c.assigned_on else None,
        "transfer_due": c.transfer_due.isoformat() if c.transfer_due else None,
        "transfer_due_provisional": c.transfer_due_provisional,
        "result_due": c.result_due.isoformat() if c.result_due else None,
        "result_due_provisional": c.result_due_provisional,
        "extension_days": c.extension_days,
        "not_accepted_reason": c.not_accepted_reason,
        "satisfaction": c.satisfaction,
        "version": c.version,
    }


async def record_event(
    session: AsyncSession,
    request: Request | None,
    complaint: Complaint,
    *,
    kind: str,
    principal: Principal | None,
    before: dict[str, Any] | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    from_status: str | None = None,
) -> None:
    """One timeline entry and one audit row, in the caller's transaction."""
    after = snapshot(complaint)
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind=kind,
            from_status=from_status,
            to_status=complaint.status,
            actor_id=actor_id(principal) if principal else None,
            actor_name=(principal.display_name or principal.username) if principal else "系统",
            actor_unit_id=principal.unit_id if principal else None,
            note=note,
            data=data,
        )
    )
    await AUDIT.record(
        session,
        action=f"complaint.{kind}",
        principal=principal,
        request=request,
        object_type="complaint",
        object_id=complaint.id,
        unit_id=complaint.handling_unit_id,
        region_path=complaint.region_path,
        before=before,
        after={**after, **({"data": data} if data else {})},
        detail=(note or "")[:500] or None,
        actor_name=None if principal else "system",
    )


# ---------------------------------------------------------------- output


def deadline_list(c: Complaint, cal: WorkCalendar, r: DeadlineRules, on: date) -> list[schemas.DeadlineOut]:
    out = []
    status = State(c.status)
    if c.transfer_due and c.accepted_on:
        warn = deadlines.warn_from(cal, r, c.transfer_due)
        running = status in TRANSFER_STATES
        out.append(
            schemas.DeadlineOut(
                kind="transfer",
                start=c.accepted_on,
                due=c.transfer_due,
                provisional=c.transfer_due_provisional,
                warn_from=warn.day,
                overdue=running and on > c.transfer_due,
                running=running,
                basis=r.transfer_article,
            )
        )
    if c.result_due and c.result_period_start:
        warn = deadlines.warn_from(cal, r, c.result_due)
        running = status in RESULT_STATES
        basis = r.result_article + (
            f"；已批准延期 {c.extension_days} 日（{r.extension_article}）" if c.extension_days else ""
        )
        out.append(
            schemas.DeadlineOut(
                kind="result",
                start=c.result_period_start,
                due=c.result_due,
                provisional=c.result_due_provisional,
                warn_from=warn.day,
                overdue=running and on > c.result_due,
                running=running,
                basis=basis,
            )
        )
    return out


def complaint_out(c: Complaint, *, cal: WorkCalendar, r: DeadlineRules, on: date, reveal: bool) -> schemas.ComplaintOut:
    return schemas.ComplaintOut(
        id=c.id,
        complaint_no=c.complaint_no,
        source=c.source,
        platform_complaint_id=c.platform_complaint_id,
        status=c.status,
        status_label=STATE_LABELS[State(c.status)],
        complainant=schemas.PartyOut(
            name=c.complainant_name,
            uscc=c.complainant_uscc,
            size=c.complainant_size,
            contact_person=c.contact_person if reveal else mask_name(c.contact_person),
            contact_phone=c.contact_phone if reveal else mask_phone(c.contact_phone),
        ),
        contact_masked=not reveal,
        respondent=schemas.PartyOut(name=c.respondent_name, uscc=c.respondent_uscc, kind=c.respondent_kind),
        amount=f"{c.amount:.2f}",
        contract=schemas.ContractOut(name=c.contract_name, number=c.contract_no),
        procurement_type=c.procurement_type,
        facts=c.facts,
        request=c.request,
        pledge_no_other_proceedings=c.pledge_no_other_proceedings,
        region_path=c.region_path,
        received_on=c.received_on,
        accepted_on=c.accepted_on,
        not_accepted_reason=c.not_accepted_reason,
        not_accepted_explanation=c.not_accepted_explanation,
        handling_unit_id=c.handling_unit_id,
        assigned_on=c.assigned_on,
        extension_days=c.extension_days,
        deadlines=deadline_list(c, cal, r, on),
        replied_on=c.replied_on,
        reply_text=c.reply_text,
        satisfaction=c.satisfaction,
        closed_on=c.closed_on,
        urge_count=c.urge_count,
        supervision_count=c.supervision_count,
        reopen_count=c.reopen_count,
        version=c.version,
        created_at=c.created_at,
    )


# ---------------------------------------------------------------- intake and registration


def _columns(body: schemas.ComplaintBody) -> dict[str, Any]:
    return {
        "complainant_name": body.complainant.name,
        "complainant_uscc": body.complainant.uscc,
        "complainant_size": body.complainant.size,
        "contact_person": body.complainant.contact_person,
        "contact_phone": body.complainant.contact_phone,
        "respondent_name": body.respondent.name,
        "respondent_uscc": body.respondent.uscc,
        "respondent_kind": body.respondent.kind,
        "amount": body.amount,
        "contract_name": body.contract.name,
        "contract_no": body.contract.number,
        "procurement_type": body.procurement_type,
        "facts": body.facts,
        "request": body.request,
        "pledge_no_other_proceedings": body.pledge_no_other_proceedings,
    }


def canonical_payload(body: schemas.PlatformIntake) -> dict[str, Any]:
    """The request as we understood it (normalised credit codes, money as "1234.50"): a repeat
    is the same complaint when this is equal."""
    return body.model_dump(mode="json", exclude={"platform_complaint_id"})


def differing_fields(stored: dict[str, Any], incoming: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(stored) | set(incoming)):
        a, b = stored.get(key), incoming.get(key)
        path = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += differing_fields(a, b, f"{path}.")
        elif a != b:
            out.append(path)
    return out


async def _next_number(session: AsyncSession, on: date) -> str:
    n = await session.scalar(text("SELECT nextval('complaint.complaint_no_seq')"))
    return f"TS-{on.year}-{int(n):07d}"


async def intake(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.PlatformIntake, on: date
) -> tuple[Complaint, bool]:
    """(complaint, created). One INSERT … ON CONFLICT DO NOTHING: under any number of concurrent
    identical posts exactly one inserts; the others wait for it to commit and find its row."""
    account = actor_id(principal)
    if not principal.region_path:
        raise ProblemError(403, code="no_region", detail="对接账号未归属任何行政区划，不能推送投诉")
    payload = canonical_payload(body)
    statement = (
        insert(Complaint)
        .values(
            complaint_no=await _next_number(session, on),
            region_path=principal.region_path,
            source="platform",
            integration_account_id=account,
            platform_complaint_id=body.platform_complaint_id,
            intake_payload=payload,
            status=State.received.value,
            received_on=on,
            registered_by=account,
            **_columns(body),
        )
        .on_conflict_do_nothing(constraint=INTAKE_CONSTRAINT)
        .returning(Complaint.id)
    )
    new_id = await session.scalar(statement)
    if new_id is None:
        existing = await session.scalar(
            select(Complaint).where(
                Complaint.integration_account_id == account,
                Complaint.platform_complaint_id == body.platform_complaint_id,
            )
        )
        assert existing is not None  # the conflicting row is committed: ON CONFLICT waited for it
        differ = differing_fields(existing.intake_payload or {}, payload)
        if differ:
            raise ProblemError(
                409,
                code="intake_conflict",
                detail=f"投诉平台编号 {body.platform_complaint_id} 已以不同内容推送过，不同的字段：{'、'.join(differ)}",
                errors=[{"field": f"{f}", "message": "与首次推送的内容不同", "code": "differs"} for f in differ],
                extensions={"complaint_id": existing.id, "differing_fields": differ},
            )
        return existing, False
    complaint = await session.get(Complaint, new_id)
    assert complaint is not None
    await record_event(
        session, request, complaint, kind="intake", principal=principal, before=None, note="投诉平台推送"
    )
    return complaint, True


async def register(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.StaffRegistration, on: date
) -> Complaint:
    received_on = body.received_on or on
    if received_on > on:
        raise ProblemError(
            422,
            detail="received_on: 收到投诉的日期不能晚于今天",
            errors=[{"field": "received_on", "message": "收到投诉的日期不能晚于今天", "code": "future"}],
        )
    if not principal.region_path:
        raise ProblemError(403, code="no_region", detail="当前用户未归属任何行政区划，不能登记投诉")
    complaint = Complaint(
        complaint_no=await _next_number(session, on),
        region_path=principal.region_path,
        source=body.source,
        status=State.received.value,
        received_on=received_on,
        registered_by=actor_id(principal),
        transfer_due_provisional=False,
        result_due_provisional=False,
        next_due_provisional=False,
        extension_days=0,
        urge_count=0,
        supervision_count=0,
        reopen_count=0,
        **_columns(body),
    )
    session.add(complaint)
    await session.flush()
    await record_event(
        session,
        request,
        complaint,
        kind="intake",
        principal=principal,
        before=None,
        note=f"工作人员登记（{body.source}）",
    )
    return complaint
