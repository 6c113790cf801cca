"""Items (欠款明细): entering, editing, the court's record, voiding. Every change under the
item's row lock, with its audit row, in the caller's transaction."""

from __future__ import annotations

from fastapi import Request
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import Region, Unit, User
from ledger_api.ledger import schemas
from ledger_api.ledger.access import audit_item, ensure_open, item_snapshot
from ledger_api.ledger.models import (
    ArrearsItem,
    Creditor,
    Debtor,
    FundingLine,
    YearlySequence,
)
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import (
    in_region_subtree,
    in_scope,
)
from qq_kernel.clock import china_today, now
from qq_kernel.money import ZERO
from qq_kernel.numbering import next_yearly_value
from qq_kernel.problems import ProblemError, field_error


async def next_ledger_no(session: AsyncSession, region_code: str, year: int) -> str:
    value = await next_yearly_value(session, YearlySequence, series="ledger_no", scope=region_code, year=year)
    return f"{region_code}-{year}-{value:06d}"


def check_responsible(principal: Principal, unit: Unit | None, person_id: str | None, person: User | None) -> None:
    """The rule on an item's responsible unit and person, on rows already loaded (one item here,
    a whole file in transfer/)."""
    if unit is None or not in_scope(principal, unit_id=unit.id, region_path=unit.region_path):
        raise field_error("responsible_unit_id", "责任单位不存在或不在您的管辖范围内", "not_found")
    if person_id and (person is None or person.unit_id != unit.id or not person.active):
        raise field_error("responsible_person_id", "责任人须为责任单位的在岗人员", "not_in_unit")


async def _responsible(session: AsyncSession, principal: Principal, unit_id: str, person_id: str | None) -> Unit:
    unit = await session.get(Unit, unit_id)
    person = await session.get(User, person_id) if person_id else None
    check_responsible(principal, unit, person_id, person)
    return unit


def check_patch(item: ArrearsItem, changes: dict) -> None:
    """What an edit of an item's fields (PATCH, or an import's row) may change."""
    ensure_open(item)
    if (changes.get("dispute_route") or changes.get("court_case_no")) and not item.disputed:
        raise field_error("dispute_route", "无分歧欠款不应填写分歧解决途径或案号", "not_disputed")
    if {"due_date", "delivery_date", "acceptance_date"} & changes.keys():
        dates = {k: changes.get(k, getattr(item, k)) for k in ("delivery_date", "acceptance_date")}
        try:
            schemas.check_due_date(changes.get("due_date", item.due_date), dates)
        except PydanticCustomError as exc:
            raise field_error("due_date", exc.message(), exc.type) from exc


async def create_item(
    session: AsyncSession,
    *,
    principal: Principal,
    request: Request,
    body: schemas.ItemIn,
    source: str = "manual",
    source_ref: str | None = None,
) -> ArrearsItem:
    debtor = await session.get(Debtor, body.debtor_id)
    if debtor is None or not in_region_subtree(principal, debtor.region_path):
        raise field_error("debtor_id", "拖欠主体不存在", "not_found")
    creditor = await session.get(Creditor, body.creditor_id)
    if creditor is None or not in_region_subtree(principal, creditor.region_path):
        raise field_error("creditor_id", "债权企业不存在", "not_found")
    unit = await _responsible(session, principal, body.responsible_unit_id, body.responsible_person_id)
    region = await session.get(Region, (await session.get(Unit, unit.id)).region_id)
    ledger_no = await next_ledger_no(session, region.code, china_today().year)
    data = body.model_dump(exclude={"funding_lines"})
    item = ArrearsItem(
        **data,
        ledger_no=ledger_no,
        debtor_type=debtor.type,
        region_path=unit.region_path,
        outstanding=body.principal,
        verified_repaid=ZERO,
        adjustments_total=ZERO,
        status="open",
        source=source,
        source_ref=source_ref,
    )
    session.add(item)
    await session.flush()
    for line in body.funding_lines:
        session.add(FundingLine(item_id=item.id, **line.model_dump()))
    await audit_item(
        session,
        item,
        action="item.created",
        principal=principal,
        request=request,
        after={
            **item_snapshot(item),
            "ledger_no": ledger_no,
            "funding_lines": [fl.model_dump(mode="json") for fl in body.funding_lines],
        },
    )
    return item


async def update_item(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, changes: dict
) -> ArrearsItem:
    check_patch(item, changes)
    before = item_snapshot(item)
    if changes.get("responsible_person_id"):
        await _responsible(session, principal, item.responsible_unit_id, changes["responsible_person_id"])
    lines = changes.pop("funding_lines", None)
    for key, value in changes.items():
        setattr(item, key, value)
    if lines is not None:
        for old in await session.scalars(
            select(FundingLine).where(FundingLine.item_id == item.id, FundingLine.withdrawn_at.is_(None))
        ):
            old.withdrawn_at = now()
        for line in lines:
            session.add(FundingLine(item_id=item.id, **line))
    await session.flush()
    after = item_snapshot(item)
    if lines is not None:
        after["funding_lines"] = [{k: str(v) if v is not None else None for k, v in line.items()} for line in lines]
    await audit_item(
        session,
        item,
        action="item.updated",
        principal=principal,
        request=request,
        before={k: v for k, v in before.items() if after.get(k) != v},
        after={k: v for k, v in after.items() if before.get(k) != v},
    )
    return item


async def record_court_case(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, court_case_no: str, stage: str
) -> ArrearsItem:
    """The court enforcement bureau records its case number and the stage the case is at."""
    ensure_open(item)
    before = {"court_case_no": item.court_case_no, "court_stage": item.court_stage}
    item.court_case_no, item.court_stage = court_case_no, stage
    await session.flush()
    await audit_item(
        session,
        item,
        action="item.court_recorded",
        principal=principal,
        request=request,
        before=before,
        after={"court_case_no": court_case_no, "court_stage": stage},
    )
    return item


async def void_item(
    session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem, reason: str
) -> None:
    ensure_open(item)
    if item.verified_repaid != 0:
        raise ProblemError(409, code="item_has_repayments", detail="已有核实的还款，不能作废；如系录入错误请先冲销还款")
    before = item_snapshot(item)
    item.status, item.void_reason = "void", reason
    await audit_item(
        session,
        item,
        action="item.voided",
        principal=principal,
        request=request,
        before=before,
        after=item_snapshot(item),
        detail=reason,
    )
