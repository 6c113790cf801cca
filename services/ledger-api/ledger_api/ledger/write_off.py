"""Why an item cannot be written off (销账), reason by reason: 逐笔销账, 账实相符.

The refusal (409 ``write_off_refused``) keeps its one-line ``detail`` and carries every failing
condition as a machine-readable ``reasons`` list (an RFC 9457 extension member), one entry per
repayment where a repayment is the cause, so the SPA and scripts can say exactly what to fix.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger.models import ArrearsItem, EvidenceFile, Repayment
from ledger_api.ledger.schemas import WriteOffReason
from qq_kernel.money import format_yuan

# Reason codes, in the order they are reported.
ITEM_VOID = "item_void"
ITEM_WRITTEN_OFF = "item_written_off"
OUTSTANDING_NOT_ZERO = "outstanding_not_zero"
REPAYMENT_UNVERIFIED = "repayment_unverified"
REPAYMENT_WITHOUT_EVIDENCE = "repayment_without_evidence"


async def write_off_reasons(session: AsyncSession, item: ArrearsItem) -> list[WriteOffReason]:
    """Every condition that stops the write-off (empty when it may go ahead)."""
    reasons: list[WriteOffReason] = []
    if item.status == "void":
        reasons.append(WriteOffReason(code=ITEM_VOID, detail="明细已作废，不能销账"))
    if item.status == "written_off":
        reasons.append(WriteOffReason(code=ITEM_WRITTEN_OFF, detail="明细已销账"))
    if item.outstanding != 0:
        reasons.append(
            WriteOffReason(
                code=OUTSTANDING_NOT_ZERO,
                detail=f"尚欠 {format_yuan(item.outstanding)}，未清偿金额须为零",
                amount=item.outstanding,
            )
        )
    pending = await session.scalars(
        select(Repayment)
        .where(Repayment.item_id == item.id, Repayment.status == "reported")
        .order_by(Repayment.reported_at, Repayment.id)
    )
    for r in pending:
        reasons.append(
            WriteOffReason(
                code=REPAYMENT_UNVERIFIED,
                detail=f"{r.paid_on.isoformat()} 的还款 {format_yuan(r.amount)} 尚待核实",
                repayment_id=r.id,
                amount=r.amount,
            )
        )
    unproven = await session.scalars(
        select(Repayment)
        .where(
            Repayment.item_id == item.id,
            Repayment.status == "verified",
            Repayment.reverses_id.is_(None),
            ~select(EvidenceFile.id).where(EvidenceFile.repayment_id == Repayment.id).exists(),
        )
        .order_by(Repayment.reported_at, Repayment.id)
    )
    for r in unproven:
        reasons.append(
            WriteOffReason(
                code=REPAYMENT_WITHOUT_EVIDENCE,
                detail=f"{r.paid_on.isoformat()} 的已核实还款 {format_yuan(r.amount)} 缺少佐证材料",
                repayment_id=r.id,
                amount=r.amount,
            )
        )
    return reasons


def summary(reasons: list[WriteOffReason], item: ArrearsItem) -> list[str]:
    """The one-line ``detail`` of the refusal, as it has always read (counts per kind)."""
    count = {code: sum(1 for r in reasons if r.code == code) for code in {r.code for r in reasons}}
    out = []
    if count.get(ITEM_VOID):
        out.append("明细已作废")
    if count.get(ITEM_WRITTEN_OFF):
        out.append("明细已销账")
    if count.get(OUTSTANDING_NOT_ZERO):
        out.append(f"未清偿金额为 {item.outstanding} 元，须为零")
    if count.get(REPAYMENT_UNVERIFIED):
        out.append(f"尚有 {count[REPAYMENT_UNVERIFIED]} 笔还款待核实")
    if count.get(REPAYMENT_WITHOUT_EVIDENCE):
        out.append(f"有 {count[REPAYMENT_WITHOUT_EVIDENCE]} 笔已核实还款缺少佐证材料")
    return out
