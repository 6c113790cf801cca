"""The state machine applied (states.py is the table): each action's effect on the complaint,
its deadlines, its timeline and the audit trail, in the caller's transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint_api.complaints import deadlines, schemas
from complaint_api.complaints.deadlines import DeadlineRules
from complaint_api.complaints.models import Complaint, ComplaintFile, ExtensionRequest, SupervisionNotice
from complaint_api.complaints.service import actor_id, check_action, record_event, snapshot
from complaint_api.complaints.states import Action, State
from complaint_api.outbox.producers import after_transition
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import now
from qq_kernel.documents import OfficialLetter, Paragraph, cn_date
from qq_kernel.money import format_yuan
from qq_kernel.problems import ProblemError
from qq_kernel.workdays import WorkCalendar


class Context:
    """What every action needs: who, when, the calendar and the deadline rules."""

    def __init__(
        self,
        session: AsyncSession,
        request: Request | None,
        principal: Principal,
        *,
        on: date,
        calendar: WorkCalendar,
        rules: DeadlineRules,
    ) -> None:
        self.session = session
        self.request = request
        self.principal = principal
        self.on = on
        self.calendar = calendar
        self.rules = rules


async def perform(
    ctx: Context, complaint: Complaint, action: Action, body: Any = None, *, unit: dict | None = None
) -> dict[str, Any]:
    """Apply ``action``; returns what the route may want to show (e.g. the new notice). Raises
    403 (not the party), 409 (not allowed in this state, or a rule of the action) or 422."""
    step = check_action(ctx.principal, complaint, action)
    before = snapshot(complaint)
    from_status = complaint.status
    note: str | None = getattr(body, "note", None)
    data: dict[str, Any] = {}
    result: dict[str, Any] = {}
    next_state = step.next

    if action is Action.accept:
        complaint.accepted_on = ctx.on
    elif action is Action.reject:
        complaint.not_accepted_reason = body.reason
        complaint.not_accepted_explanation = body.explanation
        note = body.explanation
        data = {"reason": body.reason}
    elif action is Action.assign:
        assert unit is not None  # the router checked the unit with ledger-api
        complaint.handling_unit_id = unit["id"]
        complaint.assigned_on = ctx.on
        # The handling unit receives it today: the result period starts now (a reassignment
        # restarts it: the new unit has the whole period).
        complaint.result_period_start = ctx.on
        complaint.extension_days = 0
        data = {"unit_id": unit["id"], "unit_name": unit.get("name"), "previous_unit_id": before["handling_unit_id"]}
    elif action is Action.return_:
        note = body.reason
        data = {"returned_by_unit_id": complaint.handling_unit_id}
        complaint.handling_unit_id = None
        complaint.result_period_start = None
        complaint.result_due = None
        complaint.result_due_provisional = False
        complaint.extension_days = 0
    elif action is Action.start:
        pass
    elif action is Action.urge:
        complaint.urge_count += 1
    elif action is Action.supervise:
        result["notice"] = await _supervision_notice(ctx, complaint, body, unit or {})
        complaint.supervision_count += 1
        note = body.requirements
        data = {"notice_id": result["notice"].id, "notice_no": result["notice"].notice_no}
    elif action is Action.request_extension:
        result["extension"] = await _request_extension(ctx, complaint, body)
        note = body.reason
        data = {"extension_id": result["extension"].id, "days": body.days}
    elif action in (Action.approve_extension, Action.reject_extension):
        extension: ExtensionRequest = body["extension"]
        _decide_extension(ctx, complaint, extension, approve=action is Action.approve_extension, note=body.get("note"))
        result["extension"] = extension
        note = body.get("note")
        data = {"extension_id": extension.id, "days": extension.days}
    elif action is Action.reply:
        await _reply(ctx, complaint, body)
        note = body.result
        data = {"attachment_ids": body.attachment_ids}
    elif action is Action.revisit:
        complaint.satisfaction = body.satisfaction
        if body.satisfaction == "dissatisfied" and step.next_if_dissatisfied is not None:
            next_state = step.next_if_dissatisfied
        data = {"satisfaction": body.satisfaction}
    elif action is Action.reopen:
        complaint.reopen_count += 1
        complaint.replied_on = None
        # Handled again: a fresh result period from today, as if received anew.
        complaint.result_period_start = ctx.on
        complaint.extension_days = 0
        note = body.reason
    elif action is Action.review:
        pass
    elif action is Action.close:
        complaint.closed_on = ctx.on

    complaint.status = next_state.value
    # Every action is a new version of the complaint (its If-Match), even one that leaves its
    # columns as they were (an extension request lives in its own table).
    complaint.updated_at = now()
    changes = deadlines.refresh(complaint, ctx.calendar, ctx.rules)
    if changes:
        data["deadlines"] = {k: [_iso(a), _iso(b)] for k, (a, b) in changes.items()}
    await ctx.session.flush()
    await record_event(
        ctx.session,
        ctx.request,
        complaint,
        kind=action.value,
        principal=ctx.principal,
        before=before,
        note=note,
        data=data or None,
        from_status=from_status,
    )
    # What the change sends out (ledger link, platform callback), in this same transaction.
    await after_transition(ctx.session, complaint, action=action.value, from_status=from_status)
    return result


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


async def _request_extension(ctx: Context, complaint: Complaint, body: schemas.ExtensionIn) -> ExtensionRequest:
    pending = await ctx.session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.complaint_id == complaint.id, ExtensionRequest.status == "pending"
        )
    )
    if pending is not None:
        raise ProblemError(409, code="extension_pending", detail="已有待审批的延期申请，请等待负责人审批")
    room = ctx.rules.result_max_days - ctx.rules.result_days - complaint.extension_days
    if body.days > room:
        message = f"办理期限合计不超过 {ctx.rules.result_max_days} 日，最多还可延长 {max(room, 0)} 日"
        raise ProblemError(
            422, detail=f"days: {message}", errors=[{"field": "days", "message": message, "code": "too_long"}]
        )
    extension = ExtensionRequest(
        complaint_id=complaint.id,
        days=body.days,
        reason=body.reason,
        status="pending",
        requested_by=actor_id(ctx.principal),
    )
    ctx.session.add(extension)
    await ctx.session.flush()
    return extension


def _decide_extension(
    ctx: Context, complaint: Complaint, extension: ExtensionRequest, *, approve: bool, note: str | None
) -> None:
    if extension.status != "pending":
        raise ProblemError(409, code="extension_decided", detail="该延期申请已经审批")
    decider = actor_id(ctx.principal)
    if decider == extension.requested_by:
        raise ProblemError(403, code="four_eyes", detail="延期申请须由申请人以外的负责人审批")
    if approve:
        room = ctx.rules.result_max_days - ctx.rules.result_days - complaint.extension_days
        if extension.days > room:
            raise ProblemError(
                409, code="extension_exceeds_limit", detail=f"批准后将超过 {ctx.rules.result_max_days} 日上限"
            )
        complaint.extension_days += extension.days
    extension.status = "approved" if approve else "rejected"
    extension.decided_by = decider
    extension.decided_at = now()
    extension.decision_note = note


async def _reply(ctx: Context, complaint: Complaint, body: schemas.ReplyIn) -> None:
    if body.attachment_ids:
        found = set(
            await ctx.session.scalars(
                select(ComplaintFile.id).where(
                    ComplaintFile.complaint_id == complaint.id,
                    ComplaintFile.purpose == "reply",
                    ComplaintFile.id.in_(body.attachment_ids),
                )
            )
        )
        missing = [i for i in body.attachment_ids if i not in found]
        if missing:
            raise ProblemError(
                422,
                detail="attachment_ids: 附件不存在或不是本投诉的反馈附件",
                errors=[
                    {
                        "field": "attachment_ids",
                        "message": f"附件 {m} 不存在或不是本投诉的反馈附件",
                        "code": "not_found",
                    }
                    for m in missing
                ],
            )
    complaint.reply_text = body.result
    complaint.replied_on = ctx.on


async def _supervision_notice(
    ctx: Context, complaint: Complaint, body: schemas.SuperviseIn, names: dict
) -> SupervisionNotice:
    if body.reply_deadline <= ctx.on:
        raise ProblemError(
            422,
            detail="reply_deadline: 反馈期限应晚于今天",
            errors=[{"field": "reply_deadline", "message": "反馈期限应晚于今天", "code": "past"}],
        )
    number = f"督办〔{ctx.on.year}〕{complaint.complaint_no}-{complaint.supervision_count + 1}"
    snap = {
        "notice_no": number,
        "office_name": names.get("office_name") or "清理拖欠企业账款专班办公室",
        "unit_name": names.get("unit_name") or "承办单位",
        "complaint_no": complaint.complaint_no,
        "complainant_name": complaint.complainant_name,
        "respondent_name": complaint.respondent_name,
        "amount": f"{complaint.amount:.2f}",
        "contract_name": complaint.contract_name,
        "received_on": complaint.received_on.isoformat(),
        "result_due": complaint.result_due.isoformat() if complaint.result_due else None,
        "requirements": body.requirements,
        "reply_deadline": body.reply_deadline.isoformat(),
        "issued_on": ctx.on.isoformat(),
    }
    notice = SupervisionNotice(
        complaint_id=complaint.id, notice_no=number, snapshot=snap, issued_by=actor_id(ctx.principal)
    )
    ctx.session.add(notice)
    await ctx.session.flush()
    return notice


def render_notice(snap: dict) -> bytes:
    """督办通知书 of a complaint (the layout is the kernel's OfficialLetter)."""
    due = f"，办理期限至{cn_date(date.fromisoformat(snap['result_due']))}" if snap.get("result_due") else ""
    return OfficialLetter(
        issuer=snap["office_name"],
        title="督 办 通 知 书",
        number=snap["notice_no"],
        addressee=snap["unit_name"],
        paragraphs=[
            Paragraph(
                f"{snap['complainant_name']}投诉{snap['respondent_name']}拖欠账款一案"
                f"（投诉编号 {snap['complaint_no']}，"
                f"合同（项目）：{snap['contract_name']}，金额 {format_yuan(snap['amount'])}），"
                f"已于{cn_date(date.fromisoformat(snap['received_on']))}收到并转你单位办理{due}。现列为督办事项。"
            ),
            Paragraph("督办事项与要求：", bold=True),
            *(Paragraph(line.strip()) for line in snap["requirements"].splitlines() if line.strip()),
            Paragraph(
                f"请于{cn_date(date.fromisoformat(snap['reply_deadline']))}前将办理情况书面反馈专班办公室。"
                "逾期未反馈或办理不力的，将予以通报。"
            ),
        ],
        signed_on=date.fromisoformat(snap["issued_on"]),
    ).render()


def state_of(complaint: Complaint) -> State:
    return State(complaint.status)
