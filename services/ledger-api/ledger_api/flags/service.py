"""Red flags (预警): the behaviours the notice names, detected by the system, never typed in.

Each condition is one SQL rule (:mod:`.rules`) evaluated over a scope of items, and
:func:`sync_flags` brings the scope's flags in line with it in one statement: a condition that
holds and has no active flag raises one (with the facts as ``evidence``); an active flag whose
condition no longer holds is cleared (``cleared_at``); each change writes its audit row. Nothing
is deleted, and running it twice changes nothing the second time. The scope is the item a request
changed (:func:`after_item_change`, in the request's transaction, with the debts of its creditor)
or, in the scheduled job (:mod:`.scheduled`), the ledger chunk by chunk: one definition of each
rule, two scopes. The job is what raises the time-based flags.

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
``complained_under_agreement``
    A complaint about the item came in while it had an active repayment plan (协议还款期间仍被投诉:
    the agreement is not honoured). complaint-api's matching writes the mark (the link's
    ``plan_id``, :mod:`ledger_api.complaint_links`); the flag stays on the item's record.

A void item (entered in error) carries no flags. A written-off item keeps the conduct flags
(reclassification, extensions, bills, unproven repayments): they are part of its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fastapi import Request
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.config import SERVICE_NAME
from ledger_api.flags import rules, schemas
from ledger_api.flags.models import FLAG_KINDS, DisputeReclassification, RedFlag
from ledger_api.flags.rules import (  # noqa: F401  (re-exported: the rules' constants)
    CHAIN_DEBTOR_TYPES,
    EVIDENCE_GRACE_DAYS,
    EXTENSIONS_BEFORE_FLAG,
    NO_UPDATE_WEEKS,
    PROOF_PURPOSES,
)
from ledger_api.ledger.access import audit_item, ensure_open, item_snapshot
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor
from qq_kernel.auth.principal import Principal
from qq_kernel.clock import china_today, now
from qq_kernel.problems import ProblemError
from qq_kernel.request_id import current_request_id


@dataclass
class Evaluation:
    item_id: str
    active: set[str] = field(default_factory=set)
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)


@dataclass
class SyncResult:
    """What one :func:`sync_flags` call found and changed, over its whole scope."""

    holding: list[tuple[str, str]] = field(default_factory=list)  # (item_id, kind)
    raised: list[tuple[str, str]] = field(default_factory=list)
    cleared: list[tuple[str, str]] = field(default_factory=list)


ALL_KINDS: tuple[str, ...] = tuple(rules.RULES)


async def sync_flags(
    session: AsyncSession, item_ids: list[str], today: date, kinds: tuple[str, ...] = ALL_KINDS
) -> SyncResult:
    """Raise and clear the flags of ``kinds`` on the items ``item_ids`` so that they match the
    conditions holding on ``today``: one statement (:func:`.rules.sync_sql`), the same for a
    request's item and for a chunk of the scheduled job. Writes the flag rows and their audit rows
    in the caller's transaction.

    Idempotent. Safe against a concurrent evaluation of the same item: raising is an insert that
    yields to an existing active flag (one active flag per item and kind, enforced by a unique
    index), clearing an update of still-active rows only."""
    result = SyncResult()
    if not item_ids:
        return result
    rows = (
        await session.execute(
            text(rules.sync_sql(kinds)),
            {
                "ids": list(item_ids),
                "today": today,
                "service": SERVICE_NAME,
                "request_id": current_request_id(),
            },
        )
    ).all()
    for op, item_id, kind in rows:
        getattr(result, op).append((item_id, kind))
    if result.raised or result.cleared:
        # Flag rows changed under the ORM: whatever this session holds of them is stale.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, RedFlag):
                session.expire(obj)
    return result


async def conditions(
    session: AsyncSession, item_ids: list[str], today: date, kinds: tuple[str, ...] = ALL_KINDS
) -> dict[tuple[str, str], dict]:
    """Read only: the conditions that hold for the items on ``today``, ``(item_id, kind) -> evidence``."""
    rows = await session.execute(text(rules.holding_sql(kinds)), {"ids": list(item_ids), "today": today})
    return {(item_id, kind): evidence for item_id, kind, evidence in rows.all()}


async def evaluate_items(
    session: AsyncSession, item_ids: list[str], today: date | None = None
) -> dict[str, Evaluation]:
    """Every flag of the items ``item_ids``, brought in line with ``today`` (default: China's today)."""
    await session.flush()
    found = await sync_flags(session, item_ids, today or china_today())
    out = {item_id: Evaluation(item_id=item_id) for item_id in item_ids}
    for item_id, kind in found.holding:
        out[item_id].active.add(kind)
    for item_id, kind in found.raised:
        out[item_id].raised.append(kind)
    for item_id, kind in found.cleared:
        out[item_id].cleared.append(kind)
    return out


async def evaluate_item(session: AsyncSession, item: ArrearsItem, today: date | None = None) -> Evaluation:
    """Raise and clear ``item``'s flags so that they match the conditions holding on ``today``."""
    return (await evaluate_items(session, [item.id], today))[item.id]


async def chain_linked_items(session: AsyncSession, item: ArrearsItem) -> list[str]:
    """Ids of the items owed by this item's creditor (same credit code as a debtor): its own debts."""
    return list(
        await session.scalars(
            select(ArrearsItem.id)
            .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
            .join(Creditor, Creditor.uscc == Debtor.uscc)
            .where(Creditor.id == item.creditor_id, ArrearsItem.id != item.id, ArrearsItem.status != "void")
        )
    )


async def after_item_change(session: AsyncSession, item: ArrearsItem, today: date | None = None) -> Evaluation:
    """The hook every mutation of an item (or its parts) calls before committing: re-evaluate the
    item, and the debts of its creditor when that creditor is itself a debtor (arrears chain)."""
    await session.flush()
    linked = await chain_linked_items(session, item)
    return (await evaluate_items(session, [item.id, *linked], today))[item.id]


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
    ensure_open(item)
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
        item_id=item.id, route=body.route, reason=body.reason, requested_by=principal.actor_id
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
    if approve:
        ensure_open(item)
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = principal.actor_id, now(), note
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
