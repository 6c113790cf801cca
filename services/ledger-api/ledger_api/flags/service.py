"""Red flags (预警): the behaviours the notice names, detected by the system, never typed in.

:func:`evaluate_item` computes which conditions hold for one item on a given day and brings the
item's flags in line: a condition that holds and has no active flag raises one (with the facts as
``evidence``); an active flag whose condition no longer holds is cleared (``cleared_at``). Nothing
is deleted, and running it twice changes nothing the second time. It runs after every change of an
item or its parts (in the same transaction) and from the scheduled job (:mod:`.scheduled`), which
is what raises the time-based flags.

The conditions, per kind:

``dispute_reclassified``
    An undisputed item someone asked to reclassify as disputed (将无分歧欠款做成有分歧欠款). Raised
    with the request; it stays raised once a unit leader approves it. Cleared only if the request
    is rejected.
``installment_unpaid``
    The item's active plan has an installment whose due date has passed and which verified
    repayments do not cover (以协议还款名义形成虚假还款: an agreement is not a payment).
``plan_extended_repeatedly``
    Due dates of the item's plans were postponed ``EXTENSIONS_BEFORE_FLAG`` times or more
    (进一步拖延还款期限). Every extension counts, on any plan of the item, and so does replacing a
    plan with one that ends later: replacing a plan is no way round the count.
``repayment_without_evidence``
    A repayment (not rejected, not reversed) without proof of payment: a bank receipt or the
    enterprise's confirmation (逐笔核实佐证材料). An agreement or "other" file does not prove that
    money moved. A reported repayment gets ``EVIDENCE_GRACE_DAYS`` calendar days to get its proof;
    a verified one without proof is flagged at once.
``commercial_bill``
    A repayment (not rejected, not reversed) paid by commercial acceptance bill (商业承兑汇票):
    forcing bills on small firms is prohibited.
``no_weekly_update``
    An open item without a weekly update for ``NO_UPDATE_WEEKS`` complete ISO weeks or more
    (see :mod:`ledger_api.weekly.rules`).
``chain_funds_received``
    Arrears chain (推动获得清偿资金的国企将资金优先用于清偿中小企业欠款): the item's debtor is a
    platform company or SOE that is also a creditor on the ledger (same credit code), it has
    received a verified repayment as creditor, and this item of its own debts, still open, has had
    no verified repayment since. Cleared once this item is paid something after the last receipt.

A void item (entered in error) carries no flags. A written-off item keeps the conduct flags
(reclassification, extensions, bills, unproven repayments): they are part of its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger_api.audit.models import AuditLog
from ledger_api.config import SERVICE_NAME
from ledger_api.flags import schemas
from ledger_api.flags.models import FLAG_KINDS, DisputeReclassification, RedFlag
from ledger_api.identity.models import new_id
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, EvidenceFile, Repayment
from ledger_api.ledger.service import OPEN_STATUSES, audit_item, item_snapshot, now
from ledger_api.plans import service as plans
from ledger_api.plans.models import Installment, InstallmentExtension, RepaymentPlan
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES, local_date, week_label, weeks_without_update
from qq_kernel import audit
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today
from qq_kernel.problems import ProblemError

EVIDENCE_GRACE_DAYS = 3  # calendar days a reported repayment may wait for its proof
NO_UPDATE_WEEKS = 2  # complete ISO weeks without a weekly update
EXTENSIONS_BEFORE_FLAG = 2  # postponements of due dates
PROOF_PURPOSES = ("receipt", "confirmation")  # what proves that money moved
CHAIN_DEBTOR_TYPES = ("platform_company", "soe")


@dataclass
class Evaluation:
    item_id: str
    active: set[str] = field(default_factory=set)
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- conditions


async def _live_repayments(session: AsyncSession, item_id: str) -> list[Repayment]:
    """Repayments that stand: not rejected, not a reversal, not reversed."""
    rows = list(await session.scalars(select(Repayment).where(Repayment.item_id == item_id)))
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id}
    return [
        r for r in rows if r.reverses_id is None and r.id not in reversed_ids and r.status in ("reported", "verified")
    ]


async def _dispute_reclassified(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    row = await session.scalar(
        select(DisputeReclassification)
        .where(DisputeReclassification.item_id == item.id, DisputeReclassification.status.in_(("pending", "approved")))
        .order_by(DisputeReclassification.requested_at.desc())
        .limit(1)
    )
    if row is None:
        return None
    return {
        "reclassification_id": row.id,
        "status": row.status,
        "route": row.route,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "requested_at": _iso(row.requested_at),
        "decided_by": row.decided_by,
        "decided_at": _iso(row.decided_at),
    }


async def _installment_unpaid(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    if item.status not in OPEN_STATUSES:
        return None
    plan = await plans.active_plan(session, item.id)
    if plan is None:
        return None
    overdue = [s for s in await plans.installment_statuses(session, plan, item, today) if s.state == "overdue"]
    if not overdue:
        return None
    return {
        "plan_id": plan.id,
        "as_of": today.isoformat(),
        "agreement_evidence_id": plan.agreement_evidence_id,
        "installments": [
            {
                "installment_id": s.installment.id,
                "seq": s.installment.seq,
                "due_date": s.installment.due_date.isoformat(),
                "amount": str(s.installment.amount),
                "paid_amount": str(s.paid_amount),
                "unpaid_amount": str(s.unpaid_amount),
                "days_overdue": (today - s.installment.due_date).days,
            }
            for s in overdue
        ],
    }


async def _plan_extended_repeatedly(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    extensions = list(
        await session.scalars(
            select(InstallmentExtension)
            .where(InstallmentExtension.item_id == item.id)
            .order_by(InstallmentExtension.extended_at, InstallmentExtension.id)
        )
    )
    last_due = dict(
        (
            await session.execute(
                select(Installment.plan_id, func.max(Installment.due_date))
                .join(RepaymentPlan, RepaymentPlan.id == Installment.plan_id)
                .where(RepaymentPlan.item_id == item.id)
                .group_by(Installment.plan_id)
            )
        ).all()
    )
    replacements = (
        await session.execute(
            select(RepaymentPlan.id, RepaymentPlan.replaces_id, RepaymentPlan.created_at).where(
                RepaymentPlan.item_id == item.id, RepaymentPlan.replaces_id.is_not(None)
            )
        )
    ).all()
    postponing = [
        {
            "plan_id": plan_id,
            "replaces_id": replaces_id,
            "old_last_due_date": last_due[replaces_id].isoformat(),
            "new_last_due_date": last_due[plan_id].isoformat(),
            "at": _iso(created_at),
        }
        for plan_id, replaces_id, created_at in replacements
        if last_due.get(plan_id) and last_due.get(replaces_id) and last_due[plan_id] > last_due[replaces_id]
    ]
    count = len(extensions) + len(postponing)
    if count < EXTENSIONS_BEFORE_FLAG:
        return None
    return {
        "postponements": count,
        "extensions": [
            {
                "extension_id": e.id,
                "plan_id": e.plan_id,
                "installment_id": e.installment_id,
                "old_due_date": e.old_due_date.isoformat(),
                "new_due_date": e.new_due_date.isoformat(),
                "reason": e.reason,
                "extended_by": e.extended_by,
                "extended_at": _iso(e.extended_at),
            }
            for e in extensions
        ],
        "postponing_replacements": postponing,
    }


async def _repayment_without_evidence(
    session: AsyncSession, item: ArrearsItem, today: date, live: list[Repayment]
) -> dict | None:
    if not live:
        return None
    purposes: dict[str, set[str]] = {}
    for repayment_id, purpose in (
        await session.execute(
            select(EvidenceFile.repayment_id, EvidenceFile.purpose).where(
                EvidenceFile.item_id == item.id, EvidenceFile.repayment_id.is_not(None)
            )
        )
    ).all():
        purposes.setdefault(repayment_id, set()).add(purpose)
    offending = []
    for r in live:
        held = purposes.get(r.id, set())
        if held & set(PROOF_PURPOSES):
            continue
        waited = (today - local_date(r.reported_at)).days
        if r.status == "verified" or waited > EVIDENCE_GRACE_DAYS:
            offending.append(
                {
                    "repayment_id": r.id,
                    "status": r.status,
                    "amount": str(r.amount),
                    "paid_on": r.paid_on.isoformat(),
                    "method": r.method,
                    "reported_on": local_date(r.reported_at).isoformat(),
                    "days_without_proof": waited,
                    "evidence_purposes": sorted(held),
                }
            )
    if not offending:
        return None
    return {"grace_days": EVIDENCE_GRACE_DAYS, "proof_purposes": list(PROOF_PURPOSES), "repayments": offending}


def _commercial_bill(item: ArrearsItem, live: list[Repayment]) -> dict | None:
    bills = [r for r in live if r.method == "commercial_bill"]
    if not bills:
        return None
    return {
        "repayments": [
            {"repayment_id": r.id, "amount": str(r.amount), "paid_on": r.paid_on.isoformat(), "status": r.status}
            for r in bills
        ],
        "total": str(sum((r.amount for r in bills), Decimal("0.00"))),
    }


async def _no_weekly_update(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    if item.status not in WEEKLY_STATUSES:
        return None
    created_at = await session.scalar(select(ArrearsItem.created_at).where(ArrearsItem.id == item.id))
    last = await session.scalar(select(func.max(WeeklyUpdate.week_start)).where(WeeklyUpdate.item_id == item.id))
    weeks = weeks_without_update(today=today, created_on=local_date(created_at), last_update_week=last)
    if weeks < NO_UPDATE_WEEKS:
        return None
    return {
        "weeks_without_update": weeks,
        "last_update_week": week_label(last) if last else None,
        "entered_week": week_label(local_date(created_at)),
        "as_of_week": week_label(today),
    }


async def _chain_funds_received(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    if item.status not in WEEKLY_STATUSES or item.outstanding <= 0:
        return None
    debtor = await session.get(Debtor, item.debtor_id)
    if debtor is None or debtor.type not in CHAIN_DEBTOR_TYPES:
        return None
    reversal = aliased(Repayment)
    receipts = (
        await session.execute(
            select(Repayment.id, Repayment.item_id, Repayment.amount, Repayment.paid_on, Repayment.verified_at)
            .join(ArrearsItem, ArrearsItem.id == Repayment.item_id)
            .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
            .where(
                Creditor.uscc == debtor.uscc,
                ArrearsItem.id != item.id,
                ArrearsItem.status != "void",
                Repayment.status == "verified",
                Repayment.reverses_id.is_(None),
                ~select(reversal.id).where(reversal.reverses_id == Repayment.id).exists(),
            )
            .order_by(Repayment.verified_at)
        )
    ).all()
    if not receipts:
        return None
    last_own = max(
        (r.verified_at for r in await _live_repayments(session, item.id) if r.status == "verified"), default=None
    )
    pending = [r for r in receipts if last_own is None or r.verified_at > last_own]
    if not pending:
        return None
    return {
        "debtor_uscc": debtor.uscc,
        "debtor_type": debtor.type,
        "received_total": str(sum((r.amount for r in pending), Decimal("0.00"))),
        "receipts": [
            {
                "item_id": r.item_id,
                "repayment_id": r.id,
                "amount": str(r.amount),
                "paid_on": r.paid_on.isoformat(),
                "verified_at": _iso(r.verified_at),
            }
            for r in pending
        ],
        "last_repayment_on_this_item_verified_at": _iso(last_own),
    }


async def conditions(session: AsyncSession, item: ArrearsItem, today: date) -> dict[str, dict]:
    """The conditions that hold for ``item`` on ``today``, each with the facts behind it."""
    if item.status == "void":
        return {}
    live = await _live_repayments(session, item.id)
    found = {
        "dispute_reclassified": await _dispute_reclassified(session, item, today),
        "installment_unpaid": await _installment_unpaid(session, item, today),
        "plan_extended_repeatedly": await _plan_extended_repeatedly(session, item, today),
        "repayment_without_evidence": await _repayment_without_evidence(session, item, today, live),
        "commercial_bill": _commercial_bill(item, live),
        "no_weekly_update": await _no_weekly_update(session, item, today),
        "chain_funds_received": await _chain_funds_received(session, item, today),
    }
    return {kind: evidence for kind, evidence in found.items() if evidence is not None}


# ---------------------------------------------------------------- raising and clearing


async def _audit_flag(session: AsyncSession, item: ArrearsItem, action: str, after: dict) -> None:
    """On the item's timeline, by the system (the request id still ties it to the change that caused it)."""
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action=action,
        principal=None,
        actor_name="system",
        object_type="item",
        object_id=item.id,
        unit_id=item.responsible_unit_id,
        region_path=item.region_path,
        after=after,
    )


async def evaluate_item(session: AsyncSession, item: ArrearsItem, today: date | None = None) -> Evaluation:
    """Raise and clear ``item``'s flags so that they match the conditions holding on ``today``.

    Idempotent. Safe against a concurrent evaluation of the same item: raising is an insert that
    yields to an existing active flag (one active flag per item and kind, enforced by a unique
    index), clearing an update of still-active rows only."""
    today = today or china_today()
    holding = await conditions(session, item, today)
    result = Evaluation(item_id=item.id)
    active = {
        f.kind: f
        for f in await session.scalars(select(RedFlag).where(RedFlag.item_id == item.id, RedFlag.cleared_at.is_(None)))
    }
    for kind, flag in active.items():
        if kind in holding:
            continue
        cleared = await session.scalar(
            update(RedFlag)
            .where(RedFlag.id == flag.id, RedFlag.cleared_at.is_(None))
            .values(cleared_at=func.now())
            .returning(RedFlag.id)
            .execution_options(synchronize_session=False)
        )
        if cleared:
            await session.refresh(flag, ["cleared_at"])
            result.cleared.append(kind)
            await _audit_flag(session, item, "flag.cleared", {"flag_id": flag.id, "kind": kind})
    for kind, evidence in holding.items():
        result.active.add(kind)
        if kind in active:
            continue
        flag_id = await session.scalar(
            insert(RedFlag)
            .values(id=new_id(), item_id=item.id, kind=kind, evidence=evidence)
            .on_conflict_do_nothing(index_elements=["item_id", "kind"], index_where=RedFlag.cleared_at.is_(None))
            .returning(RedFlag.id)
        )
        if flag_id:
            result.raised.append(kind)
            await _audit_flag(session, item, "flag.raised", {"flag_id": flag_id, "kind": kind, "evidence": evidence})
    return result


async def chain_linked_items(session: AsyncSession, item: ArrearsItem) -> list[ArrearsItem]:
    """Items owed by this item's creditor (same credit code as a debtor): its own debts."""
    return list(
        await session.scalars(
            select(ArrearsItem)
            .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
            .join(Creditor, Creditor.uscc == Debtor.uscc)
            .where(Creditor.id == item.creditor_id, ArrearsItem.id != item.id, ArrearsItem.status != "void")
        )
    )


async def after_item_change(session: AsyncSession, item: ArrearsItem, today: date | None = None) -> Evaluation:
    """The hook every mutation of an item (or its parts) calls before committing: re-evaluate the
    item, and the debts of its creditor when that creditor is itself a debtor (arrears chain)."""
    await session.flush()
    result = await evaluate_item(session, item, today)
    for linked in await chain_linked_items(session, item):
        await evaluate_item(session, linked, today)
    return result


def flag_out(flag: RedFlag) -> schemas.FlagOut:
    return schemas.FlagOut(
        id=flag.id,
        item_id=flag.item_id,
        kind=flag.kind,
        kind_label=FLAG_KINDS.get(flag.kind, flag.kind),
        raised_at=flag.raised_at,
        cleared_at=flag.cleared_at,
        active=flag.cleared_at is None,
        evidence=flag.evidence,
    )


# ---------------------------------------------------------------- dispute reclassification


async def request_reclassification(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, body: schemas.ReclassifyIn
) -> DisputeReclassification:
    """Ask to treat an undisputed item as disputed; nothing changes on the item until a leader
    of its responsible unit approves. The request itself raises ``dispute_reclassified``."""
    if item.status in ("written_off", "void"):
        raise ProblemError(409, code="item_closed", detail="该明细已销账或作废，不能再修改")
    if item.disputed:
        raise ProblemError(409, code="already_disputed", detail="该明细已是有分歧欠款")
    pending = await session.scalar(
        select(DisputeReclassification.id).where(
            DisputeReclassification.item_id == item.id, DisputeReclassification.status == "pending"
        )
    )
    if pending:
        raise ProblemError(409, code="reclassification_pending", detail=f"已有待审批的改为有分歧申请（{pending}）")
    row = DisputeReclassification(
        item_id=item.id, route=body.route, reason=body.reason, requested_by=principal.user_id or principal.subject
    )
    session.add(row)
    await session.flush()
    await audit_item(
        session,
        item,
        action="dispute.reclassification_requested",
        principal=principal,
        request=request,
        after={"reclassification_id": row.id, "route": body.route, "reason": body.reason},
        detail=body.reason[:500],
    )
    return row


async def load_reclassification(session: AsyncSession, item: ArrearsItem, reclassification_id: str):
    row = await session.scalar(
        select(DisputeReclassification)
        .where(DisputeReclassification.id == reclassification_id, DisputeReclassification.item_id == item.id)
        .with_for_update()
    )
    if row is None:
        raise ProblemError(404, detail="改为有分歧的申请不存在")
    return row


async def decide_reclassification(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    item: ArrearsItem,
    row: DisputeReclassification,
    approve: bool,
    note: str | None,
) -> DisputeReclassification:
    """A leader of the item's responsible unit approves (the item becomes disputed, with the
    requested route) or rejects. Nobody decides on their own request."""
    if principal.unit_id != item.responsible_unit_id:
        raise ProblemError(403, code="not_unit_leader", detail="须由该明细责任单位的负责人审批")
    if row.requested_by in (principal.user_id, principal.subject):
        raise ProblemError(403, code="own_request", detail="不能审批本人提出的申请")
    if row.status != "pending":
        raise ProblemError(409, code="not_pending", detail="该申请已审批")
    if approve and item.status in ("written_off", "void"):
        raise ProblemError(409, code="item_closed", detail="该明细已销账或作废，不能再修改")
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = principal.user_id or principal.subject, now(), note
    before = item_snapshot(item)
    if approve:
        item.disputed, item.dispute_route = True, row.route
    await session.flush()
    await audit_item(
        session,
        item,
        action="dispute.reclassification_approved" if approve else "dispute.reclassification_rejected",
        principal=principal,
        request=request,
        before={"disputed": before["disputed"], "dispute_route": before["dispute_route"]} if approve else None,
        after={
            "reclassification_id": row.id,
            "disputed": item.disputed,
            "dispute_route": item.dispute_route,
            "status": row.status,
        },
        detail=note,
    )
    return row
