"""Overdue interest (逾期利息) on an arrears item, as the regulation sets it.

《保障中小企业款项支付条例》(State Council decree 802, in force 1 June 2025), article 17: public
bodies and large enterprises paying a small or medium enterprise late owe overdue interest; an
agreed rate may not be below the 1-year LPR at signing; without an agreed rate, 0.05% per day
(每日利率万分之五). The 2020 text (decree 728) said the same, so one rule covers periods before and
after the revision; only the citation differs.

Interest is simple (no compounding), on the outstanding amount, for every day after the due date
up to and including the day of computation (``as_of``), or the day of payment: the amount paid on a
day still bears interest that day, and stops bearing it from the next day.

This is what the platform *shows*, to put a figure on the arrears; courts decide what is owed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum

from qq_kernel.money import format_yuan, parse_money, quantize

__all__ = [
    "DEFAULT_DAILY_RATE",
    "InterestResult",
    "InterestSegment",
    "RateSource",
    "balances_after_repayments",
    "overdue_interest",
    "overdue_interest_piecewise",
]

DEFAULT_DAILY_RATE = Decimal("0.0005")  # 每日万分之五
REVISED_TEXT_IN_FORCE = date(2025, 6, 1)
_BASIS = "《保障中小企业款项支付条例》第十七条"
# Sanity bounds that catch a rate typed in percent (3.45 for 3.45 %), not legal limits.
_MAX_DAILY_RATE = Decimal("0.01")
_MAX_ANNUAL_RATE = Decimal("1")
_ONE_DAY = timedelta(days=1)


class RateSource(StrEnum):
    STATUTORY = "statutory"  # 未约定，每日万分之五
    AGREED_DAILY = "agreed_daily"
    AGREED_ANNUAL = "agreed_annual"


@dataclass(frozen=True)
class InterestSegment:
    """Interest on one constant outstanding amount, ``start``..``end`` inclusive."""

    start: date
    end: date
    days: int
    outstanding: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InterestResult:
    amount: Decimal  # yuan, 2 places, ROUND_HALF_UP; the sum of the segments' amounts
    days: int  # overdue days: due date excluded, as_of included; 0 when not overdue
    daily_rate: Decimal  # the rate applied per day (an agreed annual rate divided by the basis)
    annual_rate: Decimal | None  # the agreed annual rate, when that is what was agreed
    rate_source: RateSource
    rule: str  # the legal basis, in Chinese, for the UI and exports
    segments: tuple[InterestSegment, ...] = ()
    day_count_basis: int = 360

    @property
    def formula(self) -> str:
        """The computation written out, e.g. ``¥100,000.00 × 0.05%/日 × 59天 = ¥2,950.00``."""
        if not self.segments:
            return f"{format_yuan(self.amount)}"
        if self.rate_source is RateSource.AGREED_ANNUAL:
            assert self.annual_rate is not None
            rate = f"{_percent(self.annual_rate)}/年 ÷ {self.day_count_basis}"
        else:
            rate = f"{_percent(self.daily_rate)}/日"
        parts = [f"{format_yuan(s.outstanding)} × {rate} × {s.days}天 = {format_yuan(s.amount)}" for s in self.segments]
        if len(parts) > 1:
            parts.append(f"合计 {format_yuan(self.amount)}")
        return "；".join(parts)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _resolve_rate(
    agreed_daily_rate: Decimal | None, agreed_annual_rate: Decimal | None, day_count_basis: int
) -> tuple[Decimal, Decimal | None, RateSource]:
    if agreed_daily_rate is not None and agreed_annual_rate is not None:
        raise ValueError("约定日利率和约定年利率只能填写一个")
    if day_count_basis not in (360, 365):
        raise ValueError("年利率折算日利率的天数只能是360或365")
    for rate in (agreed_daily_rate, agreed_annual_rate):
        if rate is None:
            continue
        if not isinstance(rate, Decimal):
            raise TypeError("利率应为Decimal，不能使用浮点数")
        if not rate.is_finite() or rate <= 0:
            raise ValueError("约定利率应大于零")
    if agreed_daily_rate is not None:
        if agreed_daily_rate > _MAX_DAILY_RATE:
            raise ValueError("约定日利率过高：请以小数填写，如万分之五填0.0005")
        return agreed_daily_rate, None, RateSource.AGREED_DAILY
    if agreed_annual_rate is not None:
        if agreed_annual_rate > _MAX_ANNUAL_RATE:
            raise ValueError("约定年利率过高：请以小数填写，如3.45%填0.0345")
        with localcontext() as ctx:
            ctx.prec = 28
            daily = agreed_annual_rate / day_count_basis
        return daily, agreed_annual_rate, RateSource.AGREED_ANNUAL
    return DEFAULT_DAILY_RATE, None, RateSource.STATUTORY


def _rule(source: RateSource, annual: Decimal | None, daily: Decimal, basis: int, first_day: date | None) -> str:
    if source is RateSource.STATUTORY:
        text = f"依据{_BASIS}，双方未约定逾期利息利率的，按照每日利率万分之五计算逾期利息"
    elif source is RateSource.AGREED_DAILY:
        text = (
            f"依据{_BASIS}，按合同约定的逾期利息利率（日利率{_percent(daily)}）计算逾期利息；"
            "约定利率不得低于合同订立时1年期贷款市场报价利率"
        )
    else:
        assert annual is not None
        text = (
            f"依据{_BASIS}，按合同约定的逾期利息利率（年利率{_percent(annual)}，按{basis}天折算日利率）"
            "计算逾期利息；约定利率不得低于合同订立时1年期贷款市场报价利率"
        )
    if first_day is not None and first_day < REVISED_TEXT_IN_FORCE:
        text += "。2025年6月1日前的逾期期间适用2020年施行的条例，计息规定相同"
    return text


def overdue_interest(
    principal_outstanding: Decimal,
    due_date: date,
    as_of: date,
    agreed_daily_rate: Decimal | None = None,
    agreed_annual_rate: Decimal | None = None,
    *,
    day_count_basis: int = 360,
) -> InterestResult:
    """Interest on an amount outstanding unchanged since the due date.

    Days run from the day after ``due_date`` to ``as_of`` inclusive. An agreed annual rate is turned
    into a daily one by dividing by ``day_count_basis`` (360 by the PBoC convention 日利率=年利率÷360;
    pass 365 where a contract or court says so). Use ``overdue_interest_piecewise`` when repayments
    changed the amount during the period."""
    return overdue_interest_piecewise(
        [(date.min, principal_outstanding)],
        due_date,
        as_of,
        agreed_daily_rate,
        agreed_annual_rate,
        day_count_basis=day_count_basis,
    )


def overdue_interest_piecewise(
    balances: Sequence[tuple[date, Decimal]],
    due_date: date,
    as_of: date,
    agreed_daily_rate: Decimal | None = None,
    agreed_annual_rate: Decimal | None = None,
    *,
    day_count_basis: int = 360,
) -> InterestResult:
    """Interest following the outstanding amount as it changes.

    ``balances`` is a list of ``(from_date, outstanding)``: ``outstanding`` applies from ``from_date``
    inclusive until the next entry. Dates strictly increase, and the first entry must cover the
    first overdue day (``due_date`` + 1). Build it from repayments with
    ``balances_after_repayments``, which applies a repayment from the day after it is made.

    The total is the exact sum rounded once to fen (so a repayment can never raise it by rounding),
    and the segments' fen are apportioned by largest remainder, so what the UI lists adds up to
    what it totals."""
    daily, annual, source = _resolve_rate(agreed_daily_rate, agreed_annual_rate, day_count_basis)
    checked = _check_balances(balances)
    first_day = due_date + _ONE_DAY
    days = max(0, (as_of - due_date).days)
    if days == 0:
        return InterestResult(
            amount=quantize(Decimal(0)),
            days=0,
            daily_rate=daily,
            annual_rate=annual,
            rate_source=source,
            rule=f"截至{_cn(as_of)}未超过付款期限（{_cn(due_date)}），不计逾期利息",
            day_count_basis=day_count_basis,
        )
    if checked[0][0] > first_day:
        raise ValueError(f"余额记录应从逾期首日（{_cn(first_day)}）或更早开始")

    parts: list[tuple[date, date, int, Decimal, Decimal]] = []
    for i, (from_date, outstanding) in enumerate(checked):
        until = checked[i + 1][0] - _ONE_DAY if i + 1 < len(checked) else as_of
        start, end = max(from_date, first_day), min(until, as_of)
        if start > end or outstanding == 0:
            continue
        n = (end - start).days + 1
        with localcontext() as ctx:
            ctx.prec = 50  # up to 16 integer digits × rate × days: keep every digit until rounding
            raw = outstanding * annual * n / day_count_basis if annual is not None else outstanding * daily * n
        parts.append((start, end, n, outstanding, raw))

    with localcontext() as ctx:
        ctx.prec = 50
        total = quantize(sum((p[4] for p in parts), Decimal(0)))
        fen = Decimal("0.01")
        floors = [(p[4] / fen).to_integral_value(rounding="ROUND_FLOOR") * fen for p in parts]
        extra = int((total - sum(floors, Decimal(0))) / fen)
        by_remainder = sorted(range(len(parts)), key=lambda k: parts[k][4] - floors[k], reverse=True)
        for k in by_remainder[:extra]:
            floors[k] += fen
    segments = [InterestSegment(p[0], p[1], p[2], p[3], quantize(a)) for p, a in zip(parts, floors, strict=True)]
    return InterestResult(
        amount=total,
        days=days,
        daily_rate=daily,
        annual_rate=annual,
        rate_source=source,
        rule=_rule(source, annual, daily, day_count_basis, first_day),
        segments=tuple(segments),
        day_count_basis=day_count_basis,
    )


def _check_balances(balances: Sequence[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    if not balances:
        raise ValueError("至少需要一条余额记录")
    out: list[tuple[date, Decimal]] = []
    for from_date, outstanding in balances:
        amount = parse_money(outstanding)
        if amount < 0:
            raise ValueError("未清偿金额不能为负数")
        if out and from_date <= out[-1][0]:
            raise ValueError("余额记录的日期应严格递增")
        out.append((from_date, amount))
    return out


def balances_after_repayments(
    principal: Decimal, repayments: Iterable[tuple[date, Decimal]]
) -> list[tuple[date, Decimal]]:
    """Turn a principal and its (verified) repayments ``(paid_on, amount)`` into the balances that
    ``overdue_interest_piecewise`` takes: a repayment lowers the balance from the day after it was
    paid. Repayments on the same day are added up; order does not matter."""
    outstanding = parse_money(principal)
    if outstanding < 0:
        raise ValueError("欠款金额不能为负数")
    by_day: dict[date, Decimal] = {}
    for paid_on, amount in repayments:
        value = parse_money(amount)
        if value <= 0:
            raise ValueError("还款金额应大于零")
        by_day[paid_on] = by_day.get(paid_on, Decimal(0)) + value
    balances = [(date.min, outstanding)]
    for paid_on in sorted(by_day):
        outstanding -= by_day[paid_on]
        if outstanding < 0:
            raise ValueError(f"截至{_cn(paid_on)}的还款合计超过欠款金额")
        balances.append((paid_on + _ONE_DAY, outstanding))
    return balances


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
