"""Candidates from complaints: proposed idempotently, confirmed into the ledger or rejected."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.candidates import schemas
from ledger_api.candidates.models import CandidateItem
from ledger_api.ledger import items
from ledger_api.ledger import schemas as ledger_schemas
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor
from ledger_api.parties import service as parties
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import now
from qq_kernel.problems import ProblemError


async def _audit(
    session: AsyncSession,
    candidate: CandidateItem,
    *,
    action: str,
    principal: Principal,
    request: Request,
    after: dict | None = None,
    detail: str | None = None,
) -> None:
    await AUDIT.record(
        session,
        action=action,
        principal=principal,
        request=request,
        object_type="candidate",
        object_id=candidate.id,
        region_path=candidate.region_path,
        after=after,
        detail=detail,
    )


async def propose(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.CandidateIn
) -> tuple[CandidateItem, bool]:
    """Idempotent on (source, source_ref): the same complaint proposes one candidate, ever."""
    existing = await session.scalar(
        select(CandidateItem).where(CandidateItem.source == body.source, CandidateItem.source_ref == body.source_ref)
    )
    if existing is not None:
        return existing, False
    candidate = CandidateItem(**body.model_dump(), status="pending")
    session.add(candidate)
    await session.flush()
    await _audit(
        session,
        candidate,
        action="candidate.proposed",
        principal=principal,
        request=request,
        after=body.model_dump(mode="json"),
    )
    return candidate, True


def _pending(candidate: CandidateItem) -> None:
    if candidate.status != "pending":
        raise ProblemError(
            409,
            code="candidate_decided",
            detail=f"该台账外欠款已{'确认' if candidate.status == 'confirmed' else '退回'}",
        )


async def confirm(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    candidate: CandidateItem,
    body: schemas.CandidateConfirm,
) -> ArrearsItem:
    _pending(candidate)
    debtor = await session.scalar(select(Debtor).where(Debtor.uscc == body.debtor_uscc))
    if debtor is None:
        debtor = await parties.create_debtor(
            session,
            principal=principal,
            request=request,
            body=ledger_schemas.DebtorIn(
                name=candidate.debtor_name,
                uscc=body.debtor_uscc,
                type=body.debtor_type,
                supervising_unit_id=body.responsible_unit_id,
            ),
        )
    creditor = await session.scalar(select(Creditor).where(Creditor.uscc == body.creditor_uscc))
    if creditor is None:
        creditor = await parties.create_creditor(
            session,
            principal=principal,
            request=request,
            body=ledger_schemas.CreditorIn(
                name=candidate.creditor_name, uscc=body.creditor_uscc, size=body.creditor_size
            ),
        )
    item = await items.create_item(
        session,
        principal=principal,
        request=request,
        source="complaint",
        source_ref=candidate.source_ref,
        body=ledger_schemas.ItemIn(
            debtor_id=debtor.id,
            creditor_id=creditor.id,
            contract_name=body.contract_name,
            procurement_type=body.procurement_type,
            principal=candidate.amount,
            due_date=body.due_date,
            responsible_unit_id=body.responsible_unit_id,
        ),
    )
    candidate.status, candidate.item_id = "confirmed", item.id
    candidate.decided_by, candidate.decided_at = principal.user_id, now()
    candidate.debtor_uscc, candidate.creditor_uscc = body.debtor_uscc, body.creditor_uscc
    await session.flush()
    await _audit(
        session,
        candidate,
        action="candidate.confirmed",
        principal=principal,
        request=request,
        after={"item_id": item.id, "ledger_no": item.ledger_no},
    )
    return item


async def reject(
    session: AsyncSession, *, principal: Principal, request: Request, candidate: CandidateItem, reason: str
) -> CandidateItem:
    _pending(candidate)
    candidate.status, candidate.decision_reason = "rejected", reason
    candidate.decided_by, candidate.decided_at = principal.user_id, now()
    await session.flush()
    await _audit(session, candidate, action="candidate.rejected", principal=principal, request=request, detail=reason)
    return candidate
