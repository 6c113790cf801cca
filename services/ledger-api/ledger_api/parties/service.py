"""Debtors (拖欠主体) and creditors (债权企业): a registry of each region, from which a unit
picks when it enters a debt."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.identity.models import Unit
from ledger_api.ledger import schemas
from ledger_api.ledger.models import (
    Creditor,
    Debtor,
)
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import (
    in_region_subtree,
    in_scope,
    region_subtree_clause,
)
from qq_kernel.masking import mask_name, mask_phone
from qq_kernel.problems import ProblemError, field_error


def registry_clause(principal: Principal, region_col):
    """Debtors and creditors are a registry of the caller's region (a unit picks from it)."""
    return region_subtree_clause(principal, region_col)


def _duplicate(principal: Principal, existing, what: str) -> str:
    """The duplicate's name only when the caller may see it: another region's party stays unnamed."""
    if in_region_subtree(principal, existing.region_path):
        return f"该统一社会信用代码已登记为{what}“{existing.name}”"
    return f"该统一社会信用代码已在其他地区登记为{what}，请联系专班办公室核实"


async def create_debtor(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.DebtorIn
) -> Debtor:
    unit = await session.get(Unit, body.supervising_unit_id)
    if unit is None or not in_scope(principal, unit_id=unit.id, region_path=unit.region_path):
        raise field_error("supervising_unit_id", "主管单位不存在或不在您的管辖范围内", "not_found")
    existing = await session.scalar(select(Debtor).where(Debtor.uscc == body.uscc))
    if existing is not None:
        raise field_error("uscc", _duplicate(principal, existing, "拖欠主体"), "duplicate")
    debtor = Debtor(
        name=body.name, uscc=body.uscc, type=body.type, supervising_unit_id=unit.id, region_path=unit.region_path
    )
    session.add(debtor)
    await session.flush()
    await AUDIT.record(
        session,
        action="debtor.created",
        principal=principal,
        request=request,
        object_type="debtor",
        object_id=debtor.id,
        unit_id=unit.id,
        region_path=unit.region_path,
        after=body.model_dump(),
    )
    return debtor


async def create_creditor(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.CreditorIn
) -> Creditor:
    existing = await session.scalar(select(Creditor).where(Creditor.uscc == body.uscc))
    if existing is not None:
        raise field_error("uscc", _duplicate(principal, existing, "债权企业"), "duplicate")
    creditor = Creditor(**body.model_dump(), region_path=principal.region_path or "/")
    session.add(creditor)
    await session.flush()
    await AUDIT.record(
        session,
        action="creditor.created",
        principal=principal,
        request=request,
        object_type="creditor",
        object_id=creditor.id,
        region_path=creditor.region_path,
        after=body.model_dump(),
    )
    return creditor


def creditor_out(creditor: Creditor, *, reveal: bool) -> schemas.CreditorOut:
    return schemas.CreditorOut(
        id=creditor.id,
        name=creditor.name,
        uscc=creditor.uscc,
        size=creditor.size,
        contact_person=creditor.contact_person if reveal else mask_name(creditor.contact_person),
        contact_phone=creditor.contact_phone if reveal else mask_phone(creditor.contact_phone),
        contact_masked=not reveal,
        region_path=creditor.region_path,
        version=creditor.version,
    )


async def load_creditor(session: AsyncSession, principal: Principal, creditor_id: str) -> Creditor:
    creditor = await session.get(Creditor, creditor_id)
    if creditor is None or not in_region_subtree(principal, creditor.region_path):
        raise ProblemError(404, detail="债权企业不存在")
    return creditor


async def reveal_contact(session: AsyncSession, *, principal: Principal, request: Request, creditor: Creditor) -> None:
    """The full contact data is personal data: only with ``personal_data:read``, and logged."""
    if not principal.can("personal_data:read"):
        raise ProblemError(403, detail="无权查看完整联系方式")
    await AUDIT.record(
        session,
        action="creditor.contact_viewed",
        principal=principal,
        request=request,
        object_type="creditor",
        object_id=creditor.id,
        region_path=creditor.region_path,
    )
