"""Repayment plan rules (还款计划、分期、延期).

**Paid state of installments.** Installments are never marked paid by hand. A plan records, when
it is agreed, the item's verified total so far (``baseline_verified_repaid``); whatever the office
verifies on the item after that (net of reversals) is the amount paid toward the plan. That amount
is applied to the installments in due-date order (earliest first, then by their order in the
plan): each takes as much as it needs before the next one gets anything. An installment is
``paid`` when fully covered, ``overdue`` when its due date has passed and it is not fully covered,
``unpaid`` otherwise (its ``paid_amount`` shows a part payment). Reported repayments do not count
until verified: a plan honoured only on paper (以协议还款名义形成虚假还款) shows as overdue.
An extension moves an installment's due date and therefore its place in that order.

A superseded plan is shown as it stood when it was replaced: it is credited with what was
verified between its own baseline and its successor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger.access import audit_item, ensure_open, item_snapshot
from ledger_api.ledger.models import ArrearsItem, EvidenceFile
from ledger_api.plans import schemas
from ledger_api.plans.models import Installment, InstallmentExtension, RepaymentPlan
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_date, now
from qq_kernel.concurrency import check_if_match
from qq_kernel.money import ZERO
from qq_kernel.problems import ProblemError, field_error


@dataclass(frozen=True)
class InstallmentStatus:
    installment: Installment
    paid_amount: Decimal
    state: str

    @property
    def unpaid_amount(self) -> Decimal:
        return self.installment.amount - self.paid_amount


def ordered(installments: list[Installment]) -> list[Installment]:
    return sorted(installments, key=lambda i: (i.due_date, i.seq))


def allocate(installments: list[Installment], covered: Decimal, today: date) -> list[InstallmentStatus]:
    """Apply ``covered`` to the installments in due-date order (see the module docstring)."""
    left = max(covered, ZERO)
    out = []
    for inst in ordered(installments):
        paid = min(left, inst.amount)
        left -= paid
        if paid == inst.amount:
            state = "paid"
        elif inst.due_date < today:
            state = "overdue"
        else:
            state = "unpaid"
        out.append(InstallmentStatus(inst, paid, state))
    return out


async def active_plan(session: AsyncSession, item_id: str, *, lock: bool = False) -> RepaymentPlan | None:
    query = select(RepaymentPlan).where(RepaymentPlan.item_id == item_id, RepaymentPlan.status == "active")
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def installments_of(session: AsyncSession, plan_id: str) -> list[Installment]:
    return ordered(list(await session.scalars(select(Installment).where(Installment.plan_id == plan_id))))


async def covered_amount(session: AsyncSession, plan: RepaymentPlan, item: ArrearsItem) -> Decimal:
    """Verified repayments (net) since the plan was agreed; for a superseded plan, up to its replacement."""
    if plan.status == "active":
        return max(item.verified_repaid - plan.baseline_verified_repaid, ZERO)
    successor = await session.scalar(
        select(RepaymentPlan.baseline_verified_repaid).where(RepaymentPlan.replaces_id == plan.id)
    )
    end = successor if successor is not None else item.verified_repaid
    return max(end - plan.baseline_verified_repaid, ZERO)


async def installment_statuses(
    session: AsyncSession, plan: RepaymentPlan, item: ArrearsItem, today: date
) -> list[InstallmentStatus]:
    as_of = today if plan.status == "active" else china_date(plan.superseded_at)
    return allocate(await installments_of(session, plan.id), await covered_amount(session, plan, item), as_of)


async def plan_out(session: AsyncSession, plan: RepaymentPlan, item: ArrearsItem, today: date) -> schemas.PlanOut:
    statuses = await installment_statuses(session, plan, item, today)
    extensions = list(
        await session.scalars(
            select(InstallmentExtension)
            .where(InstallmentExtension.plan_id == plan.id)
            .order_by(InstallmentExtension.extended_at, InstallmentExtension.id)
        )
    )
    by_installment: dict[str, list[schemas.ExtensionOut]] = {}
    for ext in extensions:
        by_installment.setdefault(ext.installment_id, []).append(schemas.ExtensionOut.model_validate(ext))
    paid = sum((s.paid_amount for s in statuses), ZERO)
    remaining = plan.total - paid
    return schemas.PlanOut(
        id=plan.id,
        item_id=plan.item_id,
        status=plan.status,
        total=plan.total,
        paid=paid,
        remaining=remaining,
        matches_outstanding=plan.status != "active" or remaining == item.outstanding,
        agreement_evidence_id=plan.agreement_evidence_id,
        note=plan.note,
        replaces_id=plan.replaces_id,
        created_by=plan.created_by,
        created_at=plan.created_at,
        superseded_at=plan.superseded_at,
        superseded_by=plan.superseded_by,
        extensions_count=len(extensions),
        as_of=today if plan.status == "active" else china_date(plan.superseded_at),
        installments=[
            schemas.InstallmentOut(
                id=s.installment.id,
                seq=s.installment.seq,
                due_date=s.installment.due_date,
                original_due_date=s.installment.original_due_date,
                amount=s.installment.amount,
                paid_amount=s.paid_amount,
                unpaid_amount=s.unpaid_amount,
                state=s.state,
                extensions=by_installment.get(s.installment.id, []),
            )
            for s in statuses
        ],
        version=plan.version,
    )


def _summary(plan: RepaymentPlan, installments: list[Installment]) -> dict:
    return {
        "plan_id": plan.id,
        "total": str(plan.total),
        "agreement_evidence_id": plan.agreement_evidence_id,
        "installments": [
            {"seq": i.seq, "due_date": i.due_date.isoformat(), "amount": str(i.amount)} for i in ordered(installments)
        ],
    }


def _touch(item: ArrearsItem) -> None:
    """Bump the item's version: a plan change is a change of the item (If-Match guards it)."""
    item.updated_at = now()


async def put_plan(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    body: schemas.PlanIn,
) -> tuple[RepaymentPlan, bool]:
    """Agree a plan, or replace the active one (then If-Match on the item is required); returns
    the new plan and whether it is the item's first active plan."""
    ensure_open(item)
    current = await active_plan(session, item.id, lock=True)
    if current is not None or request.headers.get("if-match"):
        check_if_match(request, item.version)
    if item.outstanding <= 0:
        raise ProblemError(409, code="nothing_outstanding", detail="该明细未清偿金额为零，无需制定还款计划")
    total = sum((i.amount for i in body.installments), ZERO)
    if total != item.outstanding:
        raise field_error(
            "installments",
            f"分期金额合计 {total} 元，应等于当前未清偿金额 {item.outstanding} 元",
            "sum_mismatch",
        )
    if body.agreement_evidence_id:
        evidence = await session.scalar(
            select(EvidenceFile).where(EvidenceFile.id == body.agreement_evidence_id, EvidenceFile.item_id == item.id)
        )
        if evidence is None or evidence.purpose != "agreement":
            raise field_error(
                "agreement_evidence_id", "应为本明细下上传、用途为“还款协议”（agreement）的佐证材料", "not_agreement"
            )
    before_item = item_snapshot(item)
    before = None
    if current is not None:
        before = _summary(current, await installments_of(session, current.id))
        current.status, current.superseded_at, current.superseded_by = "superseded", now(), principal.user_id
        await session.flush()  # the old plan leaves "active" before the new one enters it
    plan = RepaymentPlan(
        item_id=item.id,
        status="active",
        total=total,
        baseline_verified_repaid=item.verified_repaid,
        agreement_evidence_id=body.agreement_evidence_id,
        note=body.note,
        replaces_id=current.id if current is not None else None,
        created_by=principal.actor_id,
    )
    session.add(plan)
    await session.flush()
    # Sorted by due date; equal dates keep the order they were given in.
    indexed = sorted(enumerate(body.installments), key=lambda p: (p[1].due_date, p[0]))
    installments = [
        Installment(plan_id=plan.id, seq=n, due_date=i.due_date, original_due_date=i.due_date, amount=i.amount)
        for n, (_, i) in enumerate(indexed, start=1)
    ]
    session.add_all(installments)
    if item.status == "open":
        item.status = "resolving"  # 化解中: a plan is agreed
    _touch(item)
    await session.flush()
    after = {**_summary(plan, installments), "note": body.note}
    if item.status != before_item["status"]:
        after["item_status"] = item.status
    await audit_item(
        session,
        item,
        action="plan.replaced" if current is not None else "plan.created",
        principal=principal,
        request=request,
        before=before,
        after=after,
    )
    return plan, current is None


async def extend_installment(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    installment_id: str,
    body: schemas.ExtensionIn,
    today: date,
) -> InstallmentExtension:
    """延期: move one installment of the active plan to a later date; recorded, never silent."""
    ensure_open(item)
    plan = await active_plan(session, item.id, lock=True)
    installment = None
    if plan is not None:
        installment = await session.scalar(
            select(Installment)
            .where(Installment.id == installment_id, Installment.plan_id == plan.id)
            .with_for_update()
        )
    if installment is None:
        raise ProblemError(404, detail="分期不存在，或不属于该明细当前的还款计划")
    status = next(
        s for s in await installment_statuses(session, plan, item, today) if s.installment.id == installment.id
    )
    if status.state == "paid":
        raise ProblemError(409, code="installment_paid", detail="该期已还清，无需延期")
    if body.new_due_date <= installment.due_date:
        raise field_error(
            "new_due_date", f"延期后的到期日应晚于当前到期日 {installment.due_date.isoformat()}", "not_later"
        )
    extension = InstallmentExtension(
        installment_id=installment.id,
        plan_id=plan.id,
        item_id=item.id,
        old_due_date=installment.due_date,
        new_due_date=body.new_due_date,
        reason=body.reason,
        extended_by=principal.actor_id,
    )
    session.add(extension)
    old = installment.due_date
    installment.due_date = body.new_due_date
    _touch(item)
    await session.flush()
    count = await session.scalar(select(func.count()).where(InstallmentExtension.item_id == item.id))
    await audit_item(
        session,
        item,
        action="plan.installment_extended",
        principal=principal,
        request=request,
        before={
            "plan_id": plan.id,
            "installment_id": installment.id,
            "seq": installment.seq,
            "due_date": old.isoformat(),
        },
        after={
            "plan_id": plan.id,
            "installment_id": installment.id,
            "seq": installment.seq,
            "due_date": body.new_due_date.isoformat(),
            "extension_id": extension.id,
            "extensions_on_item": int(count or 0),
        },
        detail=body.reason,
    )
    return extension
