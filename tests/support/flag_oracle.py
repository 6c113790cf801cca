"""The red-flag conditions as the platform first wrote them, in Python, one item at a time
(``ledger_api/flags/service.py`` before the rules moved to SQL, ``ledger_api/flags/rules.py``).

Kept here as a reference: the tests evaluate every item of the flag scenarios with it and check
that the SQL rules find the same conditions with the same evidence, byte for byte. Change a rule
in SQL only together with this file (and say why in the commit).

Where the Python version listed rows in no defined order (repayments, plan replacements), this
copy orders them as the SQL does (time, then id); otherwise it is the former code."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger_api.complaint_links.models import ComplaintItemLink
from ledger_api.flags.models import DisputeReclassification
from ledger_api.flags.rules import (
    CHAIN_DEBTOR_TYPES,
    EVIDENCE_GRACE_DAYS,
    EXTENSIONS_BEFORE_FLAG,
    NO_UPDATE_WEEKS,
    PROOF_PURPOSES,
)
from ledger_api.ledger.access import OPEN_STATUSES
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, EvidenceFile, Repayment
from ledger_api.plans import service as plans
from ledger_api.plans.models import Installment, InstallmentExtension, RepaymentPlan
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES, week_label, weeks_without_update
from qq_kernel.clock import china_date


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- conditions


async def _live_repayments(session: AsyncSession, item_id: str) -> list[Repayment]:
    """Repayments that stand: not rejected, not a reversal, not reversed."""
    rows = list(
        await session.scalars(
            select(Repayment).where(Repayment.item_id == item_id).order_by(Repayment.reported_at, Repayment.id)
        )
    )
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id}
    return [
        r for r in rows if r.reverses_id is None and r.id not in reversed_ids and r.status in ("reported", "verified")
    ]


async def _dispute_reclassified(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    row = await session.scalar(
        select(DisputeReclassification)
        .where(DisputeReclassification.item_id == item.id, DisputeReclassification.status.in_(("pending", "approved")))
        .order_by(DisputeReclassification.requested_at.desc(), DisputeReclassification.id.desc())
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
            select(RepaymentPlan.id, RepaymentPlan.replaces_id, RepaymentPlan.created_at)
            .where(RepaymentPlan.item_id == item.id, RepaymentPlan.replaces_id.is_not(None))
            .order_by(RepaymentPlan.created_at, RepaymentPlan.id)
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
        waited = (today - china_date(r.reported_at)).days
        if r.status == "verified" or waited > EVIDENCE_GRACE_DAYS:
            offending.append(
                {
                    "repayment_id": r.id,
                    "status": r.status,
                    "amount": str(r.amount),
                    "paid_on": r.paid_on.isoformat(),
                    "method": r.method,
                    "reported_on": china_date(r.reported_at).isoformat(),
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
    weeks = weeks_without_update(today=today, created_on=china_date(created_at), last_update_week=last)
    if weeks < NO_UPDATE_WEEKS:
        return None
    return {
        "weeks_without_update": weeks,
        "last_update_week": week_label(last) if last else None,
        "entered_week": week_label(china_date(created_at)),
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
            .order_by(Repayment.verified_at, Repayment.id)
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


async def _complained_under_agreement(session: AsyncSession, item: ArrearsItem, today: date) -> dict | None:
    links = list(
        await session.scalars(
            select(ComplaintItemLink)
            .where(ComplaintItemLink.item_id == item.id, ComplaintItemLink.plan_id.is_not(None))
            .order_by(ComplaintItemLink.created_at, ComplaintItemLink.complaint_id)
        )
    )
    if not links:
        return None
    return {
        "complaints": [
            {
                "complaint_id": link.complaint_id,
                "complaint_no": link.complaint_no,
                "plan_id": link.plan_id,
                "linked_at": _iso(link.created_at),
            }
            for link in links
        ]
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
        "complained_under_agreement": await _complained_under_agreement(session, item, today),
    }
    return {kind: evidence for kind, evidence in found.items() if evidence is not None}
