"""Overdue interest of an item as the 2025 regulation (保障中小企业款项支付条例) sets it: the
due date (contractual, else presumed from the regulation's payment periods), the verified
repayments net of reversals, and the piecewise computation of :mod:`ledger_api.ledger.interest`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger import schemas
from ledger_api.ledger.interest import balances_after_repayments, overdue_interest_piecewise
from ledger_api.ledger.models import ArrearsItem, Debtor, Repayment

# Payment periods of the regulation (第九条、第十条): public bodies within 30 days of delivery or
# acceptance, large enterprises within 60; a contract's own due date wins when recorded.
PUBLIC_BODY_DAYS = 30
ENTERPRISE_DAYS = 60
PUBLIC_BODIES = {"government_agency", "fully_funded_institution", "other_institution"}


def effective_due_date(item: ArrearsItem, debtor_type: str) -> tuple[date | None, str]:
    if item.due_date:
        return item.due_date, "合同约定的付款期限"
    start = item.acceptance_date or item.delivery_date
    if start is None:
        return None, "未录入付款期限、交付或验收日期，无法计算逾期利息"
    days = PUBLIC_BODY_DAYS if debtor_type in PUBLIC_BODIES else ENTERPRISE_DAYS
    what = "验收" if item.acceptance_date else "交付"
    who = "机关、事业单位" if days == PUBLIC_BODY_DAYS else "大型企业"
    return start + timedelta(days=days), f"未约定付款期限，按{who}自{what}之日起 {days} 日内支付推定"


async def verified_payments(session: AsyncSession, item_id: str) -> list[tuple[date, Decimal]]:
    """Verified repayments net of reversals (a reversed repayment never happened)."""
    rows = (
        await session.execute(
            select(Repayment.id, Repayment.paid_on, Repayment.amount, Repayment.reverses_id).where(
                Repayment.item_id == item_id, Repayment.status == "verified"
            )
        )
    ).all()
    reversed_ids = {r.reverses_id for r in rows if r.reverses_id}
    return [(r.paid_on, r.amount) for r in rows if r.reverses_id is None and r.id not in reversed_ids]


async def item_interest(session: AsyncSession, item: ArrearsItem, as_of: date) -> schemas.InterestOut:
    """The item's overdue interest on ``as_of``, with the rule and due date it rests on."""
    debtor_type = await session.scalar(select(Debtor.type).where(Debtor.id == item.debtor_id))
    due, basis = effective_due_date(item, debtor_type)
    if due is None:
        return schemas.InterestOut(
            as_of=as_of,
            due_date=None,
            due_date_basis=basis,
            amount=None,
            days=0,
            daily_rate=None,
            rate_source=None,
            rule=basis,
            formula=None,
            segments=[],
        )
    owed = item.principal + item.adjustments_total  # what is owed after recorded adjustments
    payments = [(d, a) for d, a in await verified_payments(session, item.id) if d <= as_of]
    # An adjustment can bring what is owed below what was paid: compute from the larger base and
    # take the difference off every balance, never below zero.
    base = max(owed, sum((a for _, a in payments), Decimal(0)))
    balances = [
        (start, max(Decimal("0.00"), amount - (base - owed)))
        for start, amount in balances_after_repayments(base, payments)
    ]
    result = overdue_interest_piecewise(balances, due, as_of, agreed_daily_rate=item.agreed_daily_rate)
    return schemas.InterestOut(
        as_of=as_of,
        due_date=due,
        due_date_basis=basis,
        amount=result.amount,
        days=result.days,
        daily_rate=result.daily_rate,
        rate_source=result.rate_source.value,
        rule=result.rule,
        formula=result.formula,
        segments=[
            schemas.InterestSegmentOut(
                start=s.start, end=s.end, days=s.days, outstanding=s.outstanding, amount=s.amount
            )
            for s in result.segments
        ],
    )
