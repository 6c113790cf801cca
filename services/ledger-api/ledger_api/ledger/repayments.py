"""An item's money (应清尽清、应清真清、账实相符): repayments reported, verified, rejected and
reversed, adjustments, and the write-off once everything is verified with evidence. Every
movement under the item's row lock, with its audit row, in one transaction."""

from __future__ import annotations

from decimal import Decimal

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger import schemas
from ledger_api.ledger import write_off as write_off_rules
from ledger_api.ledger.access import audit_item, ensure_open, item_snapshot
from ledger_api.ledger.models import (
    Adjustment,
    ArrearsItem,
    EvidenceFile,
    Repayment,
)
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today, now
from qq_kernel.money import MAX_SINGLE_AMOUNT, ZERO, money_str
from qq_kernel.problems import ProblemError, field_error


def _recompute(item: ArrearsItem, *, verified_delta: Decimal = ZERO, adjustment_delta: Decimal = ZERO) -> None:
    new_verified = item.verified_repaid + verified_delta
    new_adjust = item.adjustments_total + adjustment_delta
    outstanding = item.principal - new_verified + new_adjust
    if adjustment_delta and (outstanding > MAX_SINGLE_AMOUNT or abs(new_adjust) > MAX_SINGLE_AMOUNT):
        # One debt stays under the single-amount cap, so its running totals always fit NUMERIC(18,2).
        raise field_error(
            "amount",
            f"调整后未清偿金额（{outstanding}）或调整合计（{new_adjust}）将超过单笔上限 {MAX_SINGLE_AMOUNT} 元",
            "money_too_large",
        )
    if outstanding < 0:
        raise ProblemError(
            409,
            code="exceeds_outstanding",
            detail=f"操作后未清偿金额将为 {outstanding}，不能小于零（当前未清偿 {item.outstanding}）",
        )
    item.verified_repaid, item.adjustments_total, item.outstanding = new_verified, new_adjust, outstanding
    if item.status != "written_off":
        if outstanding == 0:
            item.status = "claimed_cleared"
        elif item.status == "claimed_cleared" or (item.status == "open" and (new_verified > 0 or new_adjust != 0)):
            # Money owed again (a reversal, an adjustment up): back to 化解中, never stuck as cleared.
            item.status = "resolving"


async def pending_claims(session: AsyncSession, item_id: str) -> Decimal:
    total = await session.scalar(
        select(func.coalesce(func.sum(Repayment.amount), 0)).where(
            Repayment.item_id == item_id, Repayment.status == "reported"
        )
    )
    return Decimal(total)


async def report_repayment(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.RepaymentIn
) -> Repayment:
    ensure_open(item)
    pending = await pending_claims(session, item.id)
    if body.amount + pending > item.outstanding:
        raise field_error(
            "amount",
            f"还款金额加上待核实的 {money_str(pending)} 元超过了未清偿金额 {item.outstanding} 元",
            "exceeds_outstanding",
        )
    repayment = Repayment(
        item_id=item.id,
        paid_on=body.paid_on,
        amount=body.amount,
        method=body.method,
        note=body.note,
        status="reported",
        reported_by=principal.actor_id,
    )
    session.add(repayment)
    if item.status == "open":
        item.status = "resolving"
    await session.flush()
    await audit_item(
        session,
        item,
        action="repayment.reported",
        principal=principal,
        request=request,
        after={"repayment_id": repayment.id, **body.model_dump(mode="json")},
    )
    return repayment


async def evidence_count(session: AsyncSession, repayment_id: str) -> int:
    return int(await session.scalar(select(func.count()).where(EvidenceFile.repayment_id == repayment_id)) or 0)


async def load_repayment(session: AsyncSession, item: ArrearsItem, repayment_id: str) -> Repayment:
    repayment = await session.scalar(
        select(Repayment).where(Repayment.id == repayment_id, Repayment.item_id == item.id).with_for_update()
    )
    if repayment is None:
        raise ProblemError(404, detail="还款记录不存在")
    return repayment


async def verify_repayment(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, repayment: Repayment
) -> Repayment:
    """核实: only a reported repayment with evidence; the item's totals move in the same transaction."""
    ensure_open(item)
    if repayment.status != "reported":
        raise ProblemError(409, code="repayment_not_pending", detail=f"该还款状态为“{repayment.status}”，不能核实")
    if await evidence_count(session, repayment.id) == 0:
        raise ProblemError(409, code="evidence_missing", detail="该还款没有佐证材料（银行回单或企业确认），不能核实")
    if repayment.reported_by == principal.actor_id:
        # Four eyes on money: the person who reported a repayment never verifies it.
        raise ProblemError(403, code="own_repayment", detail="不能核实本人报送的还款，须由另一名工作人员核实")
    before = item_snapshot(item)
    _recompute(item, verified_delta=repayment.amount)
    repayment.status, repayment.verified_by, repayment.verified_at = "verified", principal.user_id, now()
    await session.flush()
    await audit_item(
        session,
        item,
        action="repayment.verified",
        principal=principal,
        request=request,
        before=before,
        after={**item_snapshot(item), "repayment_id": repayment.id, "amount": str(repayment.amount)},
    )
    return repayment


async def reject_repayment(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    repayment: Repayment,
    reason: str,
) -> Repayment:
    if repayment.status != "reported":
        raise ProblemError(409, code="repayment_not_pending", detail="只能退回待核实的还款")
    repayment.status, repayment.rejection_reason = "rejected", reason
    repayment.verified_by, repayment.verified_at = principal.user_id, now()
    await session.flush()
    await audit_item(
        session,
        item,
        action="repayment.rejected",
        principal=principal,
        request=request,
        after={"repayment_id": repayment.id, "amount": str(repayment.amount)},
        detail=reason,
    )
    return repayment


async def reverse_repayment(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    repayment: Repayment,
    reason: str,
) -> Repayment:
    """A verified repayment entered wrongly is undone by a reversing entry, never edited."""
    ensure_open(item)
    if repayment.status != "verified" or repayment.reverses_id is not None:
        raise ProblemError(409, code="not_reversible", detail="只能冲销已核实的还款")
    if await session.scalar(select(Repayment.id).where(Repayment.reverses_id == repayment.id)):
        raise ProblemError(409, code="already_reversed", detail="该还款已被冲销")
    before = item_snapshot(item)
    reversal = Repayment(
        item_id=item.id,
        paid_on=china_today(),
        amount=-repayment.amount,
        method=repayment.method,
        status="verified",
        note=reason,
        reverses_id=repayment.id,
        reported_by=principal.actor_id,
        verified_by=principal.user_id,
        verified_at=now(),
    )
    session.add(reversal)
    _recompute(item, verified_delta=-repayment.amount)
    await session.flush()
    await audit_item(
        session,
        item,
        action="repayment.reversed",
        principal=principal,
        request=request,
        before=before,
        after={**item_snapshot(item), "reversal_id": reversal.id, "repayment_id": repayment.id},
        detail=reason,
    )
    return reversal


async def add_adjustment(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.AdjustmentIn
) -> Adjustment:
    ensure_open(item)
    before = item_snapshot(item)
    _recompute(item, adjustment_delta=body.amount)
    adjustment = Adjustment(item_id=item.id, amount=body.amount, reason=body.reason, created_by=principal.actor_id)
    session.add(adjustment)
    await session.flush()
    await audit_item(
        session,
        item,
        action="adjustment.recorded",
        principal=principal,
        request=request,
        before=before,
        after={**item_snapshot(item), "adjustment_id": adjustment.id, "amount": str(body.amount)},
        detail=body.reason,
    )
    return adjustment


async def write_off(session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem) -> ArrearsItem:
    # Four eyes on money: whoever reported a repayment that clears this item does not write it off.
    own = await session.scalar(
        select(Repayment.id)
        .where(
            Repayment.item_id == item.id,
            Repayment.reverses_id.is_(None),
            Repayment.status == "verified",
            Repayment.reported_by == principal.actor_id,
        )
        .limit(1)
    )
    if own is not None:
        raise ProblemError(403, code="own_repayment", detail="不能为本人报送过还款的欠款销账，须由另一名工作人员办理")
    reasons = await write_off_rules.write_off_reasons(session, item)
    if reasons:
        raise ProblemError(
            409,
            code="write_off_refused",
            title="不能销账",
            detail="；".join(write_off_rules.summary(reasons, item)),
            extensions={"reasons": [r.model_dump(mode="json", exclude_none=True) for r in reasons]},
        )
    before = item_snapshot(item)
    item.status, item.written_off_at, item.written_off_by = "written_off", now(), principal.user_id
    await session.flush()
    await audit_item(
        session,
        item,
        action="item.written_off",
        principal=principal,
        request=request,
        before=before,
        after=item_snapshot(item),
    )
    return item
