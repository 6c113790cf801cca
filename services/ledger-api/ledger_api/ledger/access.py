"""Access to an item, shared by every domain that touches one: which items a caller may read
(:func:`item_scope`), loading one in scope (:func:`load_item`), the one "item is closed" guard
(:func:`ensure_open`), and the item's own timeline in the audit trail (:func:`audit_item`)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.audit.models import AUDIT
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import in_scope, scope_clause
from qq_kernel.problems import ProblemError

OPEN_STATUSES = ("open", "resolving", "claimed_cleared")
CLOSED_STATUSES = ("written_off", "void")


def ensure_open(item: ArrearsItem) -> None:
    """The one guard of every change to an item: a written-off or void item is closed for good."""
    if item.status in CLOSED_STATUSES:
        raise ProblemError(
            409, code="item_closed", detail=f"该明细已{'销账' if item.status == 'written_off' else '作废'}，不能再修改"
        )


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
    await AUDIT.record(
        session,
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


JUDICIAL_ROUTES = ("litigation",)


def judicial_only(principal: Principal) -> bool:
    return not principal.can("ledger:read") and principal.can("ledger:read_judicial")


def item_scope(principal: Principal, *, bound: bool = False):
    """The items a principal may read. ``bound``: values as parameters (see scope_clause)."""
    scope = scope_clause(
        principal, unit_col=ArrearsItem.responsible_unit_id, region_col=ArrearsItem.region_path, bound=bound
    )
    if judicial_only(principal):
        # The court sees the disputed items on the judicial route (诉讼) of its region, nothing else.
        return and_(scope, ArrearsItem.disputed.is_(True), ArrearsItem.dispute_route.in_(JUDICIAL_ROUTES))
    return scope


def in_item_scope(principal: Principal, item: ArrearsItem) -> bool:
    """:func:`item_scope` for an item already loaded."""
    if not in_scope(principal, unit_id=item.responsible_unit_id, region_path=item.region_path):
        return False
    return not judicial_only(principal) or (item.disputed and item.dispute_route in JUDICIAL_ROUTES)


async def load_item(session: AsyncSession, principal: Principal, item_id: str, *, lock: bool = False) -> ArrearsItem:
    query = select(ArrearsItem).where(ArrearsItem.id == item_id, item_scope(principal))
    if lock:
        query = query.with_for_update()
    item = await session.scalar(query)
    if item is None:
        raise ProblemError(404, detail="欠款明细不存在")
    return item


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
