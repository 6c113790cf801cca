"""Ledger rules. Every change to an item's money happens here, under the item's row lock, with
its audit row, in one transaction (应清尽清、应清真清、账实相符)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi import Request
from pydantic import TypeAdapter
from sqlalchemy import Integer, Select, and_, any_, bindparam, func, not_, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AuditLog
from ledger_api.config import SCHEMA, SERVICE_NAME
from ledger_api.flags.models import RedFlag
from ledger_api.identity.models import Region, Unit, User
from ledger_api.ledger import schemas
from ledger_api.ledger import write_off as write_off_rules
from ledger_api.ledger.models import (
    Adjustment,
    ArrearsItem,
    Creditor,
    Debtor,
    EvidenceFile,
    FundingLine,
    Repayment,
)
from ledger_api.supervision.models import KeyCase
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES, local_midnight, stale_cutoff
from qq_kernel import audit, textsearch
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_scope, scope_clause, scope_params, scope_shape
from qq_kernel.clock import china_today
from qq_kernel.masking import mask_name, mask_phone
from qq_kernel.money import ZERO, money_str
from qq_kernel.problems import ProblemError, field_error
from qq_kernel.textsearch import escape_like

OPEN_STATUSES = ("open", "resolving", "claimed_cleared")


def now() -> datetime:
    return datetime.now(UTC)


async def audit_item(
    session: AsyncSession,
    item: ArrearsItem,
    *,
    action: str,
    principal: Principal,
    request: Request | None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str | None = None,
) -> None:
    """Every change to an item or its parts lands on the item's own timeline."""
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
        action=action,
        principal=principal,
        request=request,
        object_type="item",
        object_id=item.id,
        unit_id=item.responsible_unit_id,
        region_path=item.region_path,
        before=before,
        after=after,
        detail=detail,
    )


def registry_clause(principal: Principal, region_col):
    """Debtors and creditors are a registry of the caller's region (a unit picks from it)."""
    if principal.kind == "service":
        return True
    return region_col.startswith(principal.region_path or "/nowhere/", autoescape=True)


JUDICIAL_ROUTES = ("litigation",)


def _judicial_only(principal: Principal) -> bool:
    return not principal.can("ledger:read") and principal.can("ledger:read_judicial")


def item_scope(principal: Principal, *, bound: bool = False):
    """The items a principal may read. ``bound``: values as parameters (see scope_clause)."""
    scope = scope_clause(
        principal, unit_col=ArrearsItem.responsible_unit_id, region_col=ArrearsItem.region_path, bound=bound
    )
    if _judicial_only(principal):
        # The court sees the disputed items on the judicial route (诉讼) of its region, nothing else.
        return and_(scope, ArrearsItem.disputed.is_(True), ArrearsItem.dispute_route.in_(JUDICIAL_ROUTES))
    return scope


# ---------------------------------------------------------------- registry


async def create_debtor(
    session: AsyncSession, *, principal: Principal, request: Request, body: schemas.DebtorIn
) -> Debtor:
    unit = await session.get(Unit, body.supervising_unit_id)
    if unit is None or not in_scope(principal, unit_id=unit.id, region_path=unit.region_path):
        raise field_error("supervising_unit_id", "主管单位不存在或不在您的管辖范围内", "not_found")
    existing = await session.scalar(select(Debtor).where(Debtor.uscc == body.uscc))
    if existing is not None:
        raise field_error("uscc", f"该统一社会信用代码已登记为拖欠主体“{existing.name}”", "duplicate")
    debtor = Debtor(
        name=body.name, uscc=body.uscc, type=body.type, supervising_unit_id=unit.id, region_path=unit.region_path
    )
    session.add(debtor)
    await session.flush()
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
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
        raise field_error("uscc", f"该统一社会信用代码已登记为债权企业“{existing.name}”", "duplicate")
    creditor = Creditor(**body.model_dump(), region_path=principal.region_path or "/")
    session.add(creditor)
    await session.flush()
    await audit.record(
        session,
        AuditLog,
        service=SERVICE_NAME,
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


# ---------------------------------------------------------------- items


async def next_ledger_no(session: AsyncSession, region_code: str, year: int) -> str:
    value = await session.scalar(
        text(
            "INSERT INTO ledger_sequence (region_code, year, last_value) VALUES (:r, :y, 1) "
            "ON CONFLICT (region_code, year) DO UPDATE SET last_value = ledger_sequence.last_value + 1 "
            "RETURNING last_value"
        ),
        {"r": region_code, "y": year},
    )
    return f"{region_code}-{year}-{value:06d}"


def item_snapshot(item: ArrearsItem) -> dict:
    return {
        "contract_name": item.contract_name,
        "principal": str(item.principal),
        "outstanding": str(item.outstanding),
        "verified_repaid": str(item.verified_repaid),
        "adjustments_total": str(item.adjustments_total),
        "status": item.status,
        "disputed": item.disputed,
        "dispute_route": item.dispute_route,
        "court_case_no": item.court_case_no,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "planned_clearance_date": item.planned_clearance_date.isoformat() if item.planned_clearance_date else None,
        "responsible_unit_id": item.responsible_unit_id,
        "responsible_person_id": item.responsible_person_id,
        "resolution_measures": item.resolution_measures,
    }


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
    if debtor is None or not await _registry_visible(principal, debtor.region_path):
        raise field_error("debtor_id", "拖欠主体不存在", "not_found")
    creditor = await session.get(Creditor, body.creditor_id)
    if creditor is None or not await _registry_visible(principal, creditor.region_path):
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


def registry_visible(principal: Principal, region_path: str) -> bool:
    return principal.kind == "service" or bool(principal.region_path and region_path.startswith(principal.region_path))


async def _registry_visible(principal: Principal, region_path: str) -> bool:
    return registry_visible(principal, region_path)


def in_item_scope(principal: Principal, item: ArrearsItem) -> bool:
    """:func:`item_scope` for an item already loaded."""
    if not in_scope(principal, unit_id=item.responsible_unit_id, region_path=item.region_path):
        return False
    return not _judicial_only(principal) or (item.disputed and item.dispute_route in JUDICIAL_ROUTES)


async def load_item(session: AsyncSession, principal: Principal, item_id: str, *, lock: bool = False) -> ArrearsItem:
    query = select(ArrearsItem).where(ArrearsItem.id == item_id, item_scope(principal))
    if lock:
        query = query.with_for_update()
    item = await session.scalar(query)
    if item is None:
        raise ProblemError(404, detail="欠款明细不存在")
    return item


def _editable(item: ArrearsItem) -> None:
    if item.status in ("written_off", "void"):
        raise ProblemError(
            409, code="item_closed", detail=f"该明细已{'销账' if item.status == 'written_off' else '作废'}，不能再修改"
        )


def check_patch(item: ArrearsItem, changes: dict) -> None:
    """What an edit of an item's fields (PATCH, or an import's row) may change."""
    _editable(item)
    if (changes.get("dispute_route") or changes.get("court_case_no")) and not item.disputed:
        raise field_error("dispute_route", "无分歧欠款不应填写分歧解决途径或案号", "not_disputed")


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
    _editable(item)
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
    _editable(item)
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


# ---------------------------------------------------------------- money movements


def _recompute(item: ArrearsItem, *, verified_delta: Decimal = ZERO, adjustment_delta: Decimal = ZERO) -> None:
    new_verified = item.verified_repaid + verified_delta
    new_adjust = item.adjustments_total + adjustment_delta
    outstanding = item.principal - new_verified + new_adjust
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
    _editable(item)
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
        reported_by=principal.user_id or principal.subject,
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
    _editable(item)
    if repayment.status != "reported":
        raise ProblemError(409, code="repayment_not_pending", detail=f"该还款状态为“{repayment.status}”，不能核实")
    if await evidence_count(session, repayment.id) == 0:
        raise ProblemError(409, code="evidence_missing", detail="该还款没有佐证材料（银行回单或企业确认），不能核实")
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
    _editable(item)
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
        reported_by=principal.user_id or principal.subject,
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
    _editable(item)
    before = item_snapshot(item)
    _recompute(item, adjustment_delta=body.amount)
    adjustment = Adjustment(
        item_id=item.id, amount=body.amount, reason=body.reason, created_by=principal.user_id or principal.subject
    )
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


async def write_off_blockers(session: AsyncSession, item: ArrearsItem) -> list[str]:
    """Why an item cannot be written off yet, one line per kind (empty when it can): 逐笔销账, 账实相符."""
    return write_off_rules.summary(await write_off_rules.write_off_reasons(session, item), item)


async def write_off(session: AsyncSession, *, principal: Principal, request: Request, item: ArrearsItem) -> ArrearsItem:
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


# ---------------------------------------------------------------- reads


LEDGER_NO_FRAGMENT = re.compile(r"[0-9-]+")


@dataclass(frozen=True)
class ItemFilters:
    """What a ledger list is filtered by (GET /items and GET /items/totals take the same)."""

    unit_id: str | None = None
    region: str | None = None
    debtor_type: str | None = None
    status: tuple[str, ...] = ()
    disputed: bool | None = None
    overdue: bool | None = None
    q: str | None = None
    debtor_id: str | None = None
    creditor_id: str | None = None
    responsible_person_id: str | None = None
    mine: bool = False
    key_case: bool | None = None
    flag: str | None = None
    flagged: bool | None = None
    no_update_weeks: int | None = None

    def shape(self) -> tuple:
        """Which filters are set, and what else changes the form of the SQL (not the values)."""
        q = (textsearch.term_shape(self.q), bool(LEDGER_NO_FRAGMENT.fullmatch(self.q))) if self.q else None
        return (
            *(bool(v) for v in (self.unit_id, self.region, self.debtor_type, self.status, self.debtor_id)),
            *(bool(v) for v in (self.creditor_id, self.responsible_person_id, self.flag, self.no_update_weeks)),
            self.disputed,
            self.overdue,
            self.mine,
            self.key_case,
            self.flagged,
            q,
        )


# ---- The list's SQL is built once per shape (of the caller's scope, of the filters, the sort)
# and then executed with the values as parameters: building and hashing the statement was a fifth
# of a list request's CPU (bench/README.md). Parameters are *required* (no default values), so a
# statement reused for another caller can never run with the values of the one it was built for.

ITEM_SORTS = {
    "created_at": (ArrearsItem.created_at, ArrearsItem.id),
    "-created_at": (ArrearsItem.created_at.desc(), ArrearsItem.id.desc()),
    "outstanding": (ArrearsItem.outstanding, ArrearsItem.id),
    "-outstanding": (ArrearsItem.outstanding.desc(), ArrearsItem.id.desc()),
    "due_date": (ArrearsItem.due_date.asc().nulls_last(), ArrearsItem.id),
    "-due_date": (ArrearsItem.due_date.desc().nulls_last(), ArrearsItem.id.desc()),
    "ledger_no": (ArrearsItem.ledger_no,),
}
_STATEMENTS: dict[tuple, Select] = {}
_STATEMENTS_MAX = 2048  # shapes are finitely many; the bound only guards memory


def _statement(key: tuple, build) -> Select:
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= _STATEMENTS_MAX:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


def _principal_shape(principal: Principal) -> tuple:
    return (scope_shape(principal), _judicial_only(principal))


def list_params(principal: Principal, f: ItemFilters, *, today: date | None = None) -> dict:
    """The values of every parameter the list statements of ``f``'s shape can hold."""
    today = today or china_today()
    params = {
        **scope_params(principal),
        "f_unit": f.unit_id,
        "f_region": escape_like(f.region or "") + "%",
        "f_debtor_type": f.debtor_type,
        "f_status": list(f.status),
        "f_today": today,
        "f_debtor": f.debtor_id,
        "f_creditor": f.creditor_id,
        "f_person": f.responsible_person_id,
        # 我负责的: a caller without a user (a service) is responsible for nothing.
        "f_me": principal.user_id or "-",
        "f_flag": f.flag,
    }
    if f.no_update_weeks:
        cutoff = stale_cutoff(today, f.no_update_weeks)
        params.update(f_cutoff=cutoff, f_entered_before=local_midnight(cutoff + timedelta(days=7)))
    if f.q:
        params.update(textsearch.contains_params(f.q, "q"), q_ledger_no=escape_like(f.q[::-1]) + "%")
    return params


def item_conditions(principal: Principal, f: ItemFilters) -> list:
    """The WHERE clause on arrears_item alone (everything but ``q``), with the values as parameters
    (:func:`list_params`). Filters on other tables are semi-joins, and the debtor's type is copied
    onto the item, so neither the count nor the page joins to filter (bench/README.md)."""
    item = ArrearsItem
    where = [item_scope(principal, bound=True)]
    if f.unit_id:
        where.append(item.responsible_unit_id == bindparam("f_unit"))
    if f.region:
        where.append(item.region_path.like(bindparam("f_region"), escape="\\"))
    if f.debtor_type:
        where.append(item.debtor_type == bindparam("f_debtor_type"))
    if f.status:
        where.append(item.status.in_(bindparam("f_status", expanding=True)))
    if f.disputed is not None:
        where.append(item.disputed.is_(f.disputed))
    if f.overdue is not None:
        late = and_(item.due_date < bindparam("f_today"), item.outstanding > 0, item.status.in_(OPEN_STATUSES))
        where.append(late if f.overdue else not_(late))
    if f.creditor_id:
        where.append(item.creditor_id == bindparam("f_creditor"))
    if f.debtor_id:
        where.append(item.debtor_id == bindparam("f_debtor"))
    if f.responsible_person_id:
        where.append(item.responsible_person_id == bindparam("f_person"))
    if f.mine:
        where.append(item.responsible_person_id == bindparam("f_me"))
    if f.key_case is not None:
        open_case = select(KeyCase.id).where(KeyCase.item_id == item.id, KeyCase.closed_at.is_(None)).exists()
        where.append(open_case if f.key_case else ~open_case)
    if f.flag:
        where.append(
            select(RedFlag.id)
            .where(RedFlag.item_id == item.id, RedFlag.kind == bindparam("f_flag"), RedFlag.cleared_at.is_(None))
            .exists()
        )
    if f.flagged is not None:
        any_flag = select(RedFlag.id).where(RedFlag.item_id == item.id, RedFlag.cleared_at.is_(None)).exists()
        where.append(any_flag if f.flagged else ~any_flag)
    if f.no_update_weeks:
        # Same count as the no_weekly_update flag (weekly/rules.py): complete weeks since the
        # latest update, or since the week the item was entered.
        where.append(item.status.in_(WEEKLY_STATUSES))
        where.append(item.created_at < bindparam("f_entered_before"))
        where.append(
            ~select(WeeklyUpdate.id)
            .where(WeeklyUpdate.item_id == item.id, WeeklyUpdate.week_start > bindparam("f_cutoff"))
            .exists()
        )
    return where


def _contains(column, q: str):
    return textsearch.contains(SCHEMA, column, q, param="q")


def _ids(stmt):
    """``= ANY(ARRAY(SELECT …))``: an index condition, also as one arm of an OR (IN-subquery is not)."""
    return any_(func.array(stmt.scalar_subquery()))


def search_arms(q: str, *, indexable: bool) -> list:
    """The ways an item matches ``q``: its debtor's or creditor's name, its contract name, or the
    tail of its ledger number ("000123"). ``indexable``: debtor and creditor as ``= ANY(ARRAY(…))``,
    index conditions (for counting); else hashed IN-subqueries, a cheap row filter while a page
    walks its sort index."""
    debtors = select(Debtor.id).where(_contains(Debtor.name, q))
    creditors = select(Creditor.id).where(_contains(Creditor.name, q))
    arms = [
        ArrearsItem.debtor_id == _ids(debtors) if indexable else ArrearsItem.debtor_id.in_(debtors),
        ArrearsItem.creditor_id == _ids(creditors) if indexable else ArrearsItem.creditor_id.in_(creditors),
        _contains(ArrearsItem.contract_name, q),
    ]
    if LEDGER_NO_FRAGMENT.fullmatch(q):
        # Through the index on reverse(ledger_no) (migration ledger_0010): a suffix LIKE is a
        # prefix LIKE on the reversed text.
        arms.append(func.reverse(ArrearsItem.ledger_no).like(bindparam("q_ledger_no"), escape="\\"))
    return arms


def filtered_ids(principal: Principal, f: ItemFilters) -> Select:
    """SELECT id FROM arrears_item WHERE <filters>: the set a page or the totals read."""
    where = item_conditions(principal, f)
    if f.q:
        where.append(or_(*search_arms(f.q, indexable=False)))
    return select(ArrearsItem.id).where(*where)


def count_statement(principal: Principal, f: ItemFilters) -> Select:
    """How many items match, counting at most ``count_limit`` (the cap + 1). A search counts its
    arms one after the other (UNION ALL, each arm without the rows of the arms before it) so that
    LIMIT stops the scan early and every arm is an index condition; one OR would re-evaluate every
    arm on every row."""

    def build() -> Select:
        matches = _search_matches(principal, f) if f.q else select(ArrearsItem.id).where(*item_conditions(principal, f))
        return select(func.count()).select_from(
            matches.limit(bindparam("count_limit", type_=Integer)).subquery("capped")
        )

    return _statement(("count", _principal_shape(principal), f.shape()), build)


def _search_matches(principal: Principal, f: ItemFilters) -> Select:
    """The ids a search selects: each way to match as an index condition, one after the other,
    each without the rows of the ways before it (as hashed IN-subqueries: ``NOT x = ANY(array)``
    would be a linear search of thousands of ids per row)."""
    where = item_conditions(principal, f)
    arms, earlier = search_arms(f.q, indexable=True), search_arms(f.q, indexable=False)
    parts = [select(ArrearsItem.id).where(*where, arm, *(not_(a) for a in earlier[:k])) for k, arm in enumerate(arms)]
    return select(union_all(*parts).subquery("matches").c.id)


def item_rows(ids) -> Select:
    """The list's columns for the items whose ids ``ids`` (a subquery with an ``id`` column) holds:
    the page is chosen on arrears_item alone and only its rows are joined (a late join: a deep page
    does not join every row it skips)."""
    active_flags = (
        select(func.array_agg(aggregate_order_by(RedFlag.kind, RedFlag.kind)))
        .where(RedFlag.item_id == ArrearsItem.id, RedFlag.cleared_at.is_(None))
        .scalar_subquery()
    )
    last_week = (
        select(func.max(WeeklyUpdate.week_start)).where(WeeklyUpdate.item_id == ArrearsItem.id).scalar_subquery()
    )
    key_case = select(KeyCase.id).where(KeyCase.item_id == ArrearsItem.id, KeyCase.closed_at.is_(None)).exists()

    def name_of(column, key):  # a primary-key lookup per row
        return select(column).where(column.table.c.id == key).scalar_subquery()

    # Names as scalar subqueries rather than joins: the planner then orders two relations, not
    # six, and planning (every execution plans afresh, see qq_kernel.db) was most of a page's cost.
    return (
        select(
            *ArrearsItem.__table__.c,
            name_of(Debtor.name, ArrearsItem.debtor_id).label("debtor_name"),
            name_of(Creditor.name, ArrearsItem.creditor_id).label("creditor_name"),
            name_of(Unit.name, ArrearsItem.responsible_unit_id).label("responsible_unit_name"),
            name_of(User.display_name, ArrearsItem.responsible_person_id).label("responsible_person_name"),
            func.coalesce(active_flags, text("'{}'::varchar[]")).label("active_flags"),
            last_week.label("last_update_week"),
            key_case.label("key_case"),
        )
        .select_from(ids)
        .join(ArrearsItem, ArrearsItem.id == ids.c.id)
    )


def page_statement(principal: Principal, f: ItemFilters, sort: str, *, few: bool = False) -> Select:
    """One page (parameters ``page_limit`` and ``page_offset``) of the list, sorted by ``sort``.

    ``few``: a search known (from its count) to match at most a thousand items. Its page is then
    chosen among those matches, found through the indexes as the count found them, instead of
    walking the sort index until enough rows pass the search: a rare name (47 companies, 150
    items) had the walk read 126,000 rows (bench/README.md)."""

    def build() -> Select:
        order_by = ITEM_SORTS[sort]
        if few and f.q:
            ids = select(ArrearsItem.id).where(ArrearsItem.id.in_(_search_matches(principal, f))).order_by(*order_by)
        else:
            ids = filtered_ids(principal, f).order_by(*order_by)
        ids = (
            ids.limit(bindparam("page_limit", type_=Integer))
            .offset(bindparam("page_offset", type_=Integer))
            .subquery("page_ids")
        )
        return item_rows(ids).order_by(*order_by)

    return _statement(("page", _principal_shape(principal), f.shape(), sort, few and bool(f.q)), build)


def one_item_statement(principal: Principal) -> Select:
    """One item by ``item_id``, with the list's columns, if in scope (parameters: scope_params + item_id)."""

    def build() -> Select:
        ids = select(ArrearsItem.id).where(ArrearsItem.id == bindparam("item_id"), item_scope(principal, bound=True))
        return item_rows(ids.subquery("one"))

    return _statement(("one", _principal_shape(principal)), build)


_ITEM_LIST = TypeAdapter(list[schemas.ItemOut])


def items_out(rows) -> list[schemas.ItemOut]:
    """A page's rows validated in one call, from plain dicts (pydantic reads a SQLAlchemy row
    mapping through the Mapping protocol at twice the cost: 0.30 → 0.15 ms a page)."""
    return _ITEM_LIST.validate_python([row._asdict() for row in rows])


async def totals(session: AsyncSession, principal: Principal, f: ItemFilters) -> schemas.Totals:
    """Totals of the items ``f`` selects (void items counted, never summed)."""
    sub = (
        filtered_ids(principal, f)
        .with_only_columns(
            ArrearsItem.id,
            ArrearsItem.status,
            ArrearsItem.principal,
            ArrearsItem.verified_repaid,
            ArrearsItem.adjustments_total,
            ArrearsItem.outstanding,
        )
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                sub.c.status,
                func.count(),
                func.sum(sub.c.principal),
                func.sum(sub.c.verified_repaid),
                func.sum(sub.c.adjustments_total),
                func.sum(sub.c.outstanding),
            ).group_by(sub.c.status),
            list_params(principal, f),
        )
    ).all()
    agg = [Decimal(0)] * 4
    by_status = {}
    count = 0
    for status, n, *sums in rows:
        by_status[status] = n
        if status == "void":  # entered in error: counted, never summed
            continue
        count += n
        agg = [a + (s or 0) for a, s in zip(agg, sums, strict=True)]
    return schemas.Totals(
        items=count,
        principal=agg[0],
        verified_repaid=agg[1],
        adjustments_total=agg[2],
        outstanding=agg[3],
        by_status=by_status,
    )
