"""Matching an accepted complaint to the ledger, once per complaint.

The rule (issue 10): the items whose creditor is the complainant and whose debtor is the
respondent (by credit code; by name when the complaint has no respondent code), narrowed to the
same contract when the complaint names one that some of them carry; when no item has both
parties, the respondent's items with the same contract. Void items never match. Only items under
the accepting office's region are looked at: a county's complaint does not reach into another
county's ledger.

Idempotent on the complaint id: concurrent calls for one complaint queue on a transaction-level
advisory lock and the later ones return the first outcome (also across ledger-api replicas).
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.complaint_links import schemas
from ledger_api.complaint_links.models import ComplaintItemLink, ComplaintMatch
from ledger_api.flags import service as flags
from ledger_api.ledger.access import audit_item
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor
from ledger_api.plans.models import RepaymentPlan
from qq_kernel.auth.principal import Principal


def _same_contract(a: str | None, b: str | None) -> bool:
    return bool(a and b) and "".join(a.split()) == "".join(b.split())


async def _items(session: AsyncSession, where) -> list[tuple[ArrearsItem, str, str]]:
    rows = await session.execute(
        select(ArrearsItem, Debtor.name, Creditor.name)
        .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
        .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
        .where(ArrearsItem.status != "void", *where)
        .order_by(ArrearsItem.created_at, ArrearsItem.id)
    )
    return [tuple(r) for r in rows.all()]


async def find_items(session: AsyncSession, body: schemas.ComplaintMatchIn) -> tuple[list, str | None]:
    in_region = ArrearsItem.region_path.startswith(body.region_path, autoescape=True)
    respondent = Debtor.uscc == body.respondent_uscc if body.respondent_uscc else Debtor.name == body.respondent_name
    both = await _items(session, [in_region, respondent, Creditor.uscc == body.complainant_uscc])
    if both:
        same = [row for row in both if _same_contract(row[0].contract_name, body.contract_name)]
        return (same, "credit_codes_and_contract") if same else (both, "credit_codes")
    if body.contract_name:
        by_contract = [
            row
            for row in await _items(session, [in_region, respondent])
            if _same_contract(row[0].contract_name, body.contract_name)
        ]
        if by_contract:
            return by_contract, "respondent_and_contract"
    return [], None


async def _outcome(session: AsyncSession, match: ComplaintMatch) -> schemas.ComplaintMatchOut:
    rows = (
        await session.execute(
            select(ComplaintItemLink, ArrearsItem, Debtor.name, Creditor.name)
            .join(ArrearsItem, ArrearsItem.id == ComplaintItemLink.item_id)
            .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
            .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
            .where(ComplaintItemLink.complaint_id == match.complaint_id)
            .order_by(ArrearsItem.created_at, ArrearsItem.id)
        )
    ).all()
    return schemas.ComplaintMatchOut(
        complaint_id=match.complaint_id,
        complaint_no=match.complaint_no,
        outcome=match.outcome,
        matched_by=match.matched_by,
        created_at=match.created_at,
        items=[
            schemas.MatchedItem(
                item_id=item.id,
                ledger_no=item.ledger_no,
                debtor_name=debtor,
                creditor_name=creditor,
                contract_name=item.contract_name,
                principal=item.principal,
                outstanding=item.outstanding,
                status=item.status,
                under_agreement=link.plan_id is not None,
            )
            for link, item, debtor, creditor in rows
        ],
    )


async def existing(session: AsyncSession, complaint_id: str) -> schemas.ComplaintMatchOut | None:
    match = await session.get(ComplaintMatch, complaint_id)
    return None if match is None else await _outcome(session, match)


async def match_complaint(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.ComplaintMatchIn
) -> tuple[schemas.ComplaintMatchOut, bool]:
    """(outcome, created). Links the complaint to its items, marks the items under a repayment
    agreement, re-evaluates their flags, audits on each item's timeline, in the caller's transaction."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"complaint_match:{body.complaint_id}"}
    )
    found = await existing(session, body.complaint_id)
    if found is not None:
        return found, False
    rows, matched_by = await find_items(session, body)
    match = ComplaintMatch(
        complaint_id=body.complaint_id,
        complaint_no=body.complaint_no,
        region_path=body.region_path,
        outcome="matched" if rows else "unmatched",
        matched_by=matched_by,
        request=body.model_dump(mode="json"),
    )
    session.add(match)
    await session.flush()
    for item, _, _ in rows:
        plan_id = await session.scalar(
            select(RepaymentPlan.id).where(RepaymentPlan.item_id == item.id, RepaymentPlan.status == "active")
        )
        session.add(
            ComplaintItemLink(
                complaint_id=body.complaint_id, item_id=item.id, complaint_no=body.complaint_no, plan_id=plan_id
            )
        )
        await audit_item(
            session,
            item,
            action="item.complaint_linked",
            principal=principal,
            request=request,
            after={"complaint_id": body.complaint_id, "complaint_no": body.complaint_no, "plan_id": plan_id},
            detail=f"投诉 {body.complaint_no} 涉及本笔欠款" + ("（执行还款协议期间）" if plan_id else ""),
        )
    await session.flush()
    for item, _, _ in rows:
        await flags.after_item_change(session, item)
    await AUDIT.record(
        session,
        action="complaint.matched",
        principal=principal,
        request=request,
        object_type="complaint_match",
        object_id=body.complaint_id,
        region_path=body.region_path,
        after={"outcome": match.outcome, "matched_by": matched_by, "item_ids": [r[0].id for r in rows]},
    )
    return await _outcome(session, match), True


async def complaints_of_item(session: AsyncSession, item_id: str) -> list[ComplaintItemLink]:
    return list(
        await session.scalars(
            select(ComplaintItemLink)
            .where(ComplaintItemLink.item_id == item_id)
            .order_by(ComplaintItemLink.created_at, ComplaintItemLink.complaint_id)
        )
    )
