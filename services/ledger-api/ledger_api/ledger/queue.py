"""The verification queue (核实队列): repayments across the items of the caller's scope.

Scoped exactly like the items (``ledger.access.item_scope`` on the repayment's item): a unit sees the
repayments on its own items, the office and the auditor those of their region.

Index-served at a province's scale (1.1 M repayments, migration ledger_0009). The count stops
at ``COUNT_CAP`` and decides how the page is read:

- **at most COUNT_CAP match** (a unit's queue, a county's, a narrow filter): they are all read,
  in whatever order is cheapest (the items of the unit, then their repayments by
  ``ix_repayment_item_status``), then sorted. Walking the reported-time index to find a few
  repayments of a small unit could read the whole table;
- **more match** (the province office's queue): the page is read in reported order from
  ``ix_repayment_status_reported`` (status, reported_at, id), or ``ix_repayment_reported``
  without a status filter, and stops after one page.

Bench (1.1 M repayments, 2 vCPUs): the province office's pending queue 13 ms, a county's 87 ms,
the busiest unit's 70 ms; the slowest shape found is a mid-sized unit's whole verified history
(~1,000+ rows spread thin over the table), 350-450 ms.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.identity.models import Unit, User
from ledger_api.ledger import schemas
from ledger_api.ledger.access import item_scope
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor, EvidenceFile, Repayment
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_midnight
from qq_kernel.pagination import PageParams, capped_count

COUNT_CAP = 1000

SORTS = {
    "reported_at": (Repayment.reported_at, Repayment.id),
    "-reported_at": (Repayment.reported_at.desc(), Repayment.id.desc()),
}


def queue_filter(
    principal: Principal,
    *,
    status: list[str] | None = None,
    unit_id: str | None = None,
    region: str | None = None,
    method: str | None = None,
    reported_from: date | None = None,
    reported_to: date | None = None,
    has_evidence: bool | None = None,
) -> Select:
    """Repayment ids joined to their items, in scope and filtered (the count runs on this)."""
    query = select(Repayment.id).join(ArrearsItem, ArrearsItem.id == Repayment.item_id).where(item_scope(principal))
    if status:
        query = query.where(Repayment.status.in_(status))
    if unit_id:
        query = query.where(ArrearsItem.responsible_unit_id == unit_id)
    if region:
        query = query.where(ArrearsItem.region_path.startswith(region, autoescape=True))
    if method:
        query = query.where(Repayment.method == method)
    # Dates are China's calendar dates: a day runs from Beijing midnight to the next.
    if reported_from:
        query = query.where(Repayment.reported_at >= china_midnight(reported_from))
    if reported_to:
        query = query.where(Repayment.reported_at < china_midnight(reported_to + timedelta(days=1)))
    if has_evidence is not None:
        proof = select(EvidenceFile.id).where(EvidenceFile.repayment_id == Repayment.id).exists()
        query = query.where(proof if has_evidence else ~proof)
    return query


async def read_page(session: AsyncSession, base: Select, params: PageParams, sort: str) -> tuple[list, int, bool]:
    """(rows of the page, total, whether the total is exact) for the filtered ``base``."""
    total, exact = await capped_count(session, base, cap=COUNT_CAP)
    if exact and params.offset >= total:
        return [], total, exact
    if exact:
        # Few: take them all (unordered, so the planner may start from the items), then sort.
        matched = base.limit(COUNT_CAP + 1).cte("matched").prefix_with("MATERIALIZED")
        base = (
            select(Repayment.id)
            .join(ArrearsItem, ArrearsItem.id == Repayment.item_id)
            .where(Repayment.id.in_(select(matched.c.id)))
        )
    rows = (await session.execute(page_query(base, sort).limit(params.page_size).offset(params.offset))).all()
    return list(rows), total, exact


def page_query(base: Select, sort: str) -> Select:
    """The rows of a page: the repayment with its item's number, parties, unit and reporter."""
    evidence_count = (
        select(func.count()).where(EvidenceFile.repayment_id == Repayment.id).correlate(Repayment).scalar_subquery()
    )
    return (
        base.with_only_columns(
            Repayment,
            ArrearsItem.ledger_no,
            ArrearsItem.status,
            ArrearsItem.outstanding,
            ArrearsItem.responsible_unit_id,
            Debtor.name,
            Creditor.name,
            Unit.name,
            User.display_name,
            evidence_count,
        )
        .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
        .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
        .join(Unit, Unit.id == ArrearsItem.responsible_unit_id)
        .outerjoin(User, User.id == Repayment.reported_by)
        .order_by(*SORTS[sort])
    )


def row_out(row) -> schemas.RepaymentQueueRow:
    (
        repayment,
        ledger_no,
        item_status,
        outstanding,
        unit_id,
        debtor_name,
        creditor_name,
        unit_name,
        reporter_name,
        evidence_count,
    ) = row
    return schemas.RepaymentQueueRow(
        **schemas.RepaymentOut.model_validate(repayment).model_dump(exclude={"evidence_count"}),
        evidence_count=int(evidence_count or 0),
        ledger_no=ledger_no,
        item_status=item_status,
        item_outstanding=outstanding,
        debtor_name=debtor_name,
        creditor_name=creditor_name,
        responsible_unit_id=unit_id,
        responsible_unit_name=unit_name,
        reported_by_name=reporter_name,
    )
