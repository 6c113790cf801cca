"""Report rules: figures by debtor type, unit, region, dispute and status; ageing; the weekly
trend and week-on-week change; the units' ranking; red-flag counts.

Every figure is the sum of the items the same filters select in GET /items (the caller's data scope
included), from one of two sources with the same columns:

* the **aggregates** (reports/models.py), kept by triggers in the items' own transactions, when the
  filters are all on the aggregates' key (region, unit, debtor type, status, disputed): a province's
  dashboard sums a few thousand rows instead of a million items;
* the **items** themselves, filtered by the list's own WHERE clause (``item_conditions``), for any
  other filter (search, overdue, flags, key cases, a person...).

The reconciliation tests (tests/reports/) hold both to sums computed independently from the items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Date,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.flags.models import FLAG_KINDS
from ledger_api.identity.models import Region, Unit
from ledger_api.ledger.access import judicial_only
from ledger_api.ledger.listing import ItemFilters, filtered_ids, list_params
from ledger_api.ledger.models import DISPUTE_ROUTES, ITEM_STATUSES, ArrearsItem
from ledger_api.reports import schemas
from ledger_api.reports.models import (
    DueDayAggregate,
    DueMonthAggregate,
    FlagAggregate,
    ItemAggregate,
    WeeklySnapshot,
)
from ledger_api.weekly.rules import week_label, week_start
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import scope_clause, scope_shape
from qq_kernel.clock import china_midnight, china_today

ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")
DEFAULT_BOUNDS = (30, 90, 180, 365)
OWED_STATUSES = ("open", "resolving", "claimed_cleared")
# Filters the aggregates can answer (their key); any other filter is answered from the items.
AGGREGATE_FILTERS = frozenset({"unit_id", "region", "debtor_type", "status", "disputed"})
DEBTOR_TYPES = {
    "government_agency": "政府机关",
    "fully_funded_institution": "全额拨款事业单位",
    "other_institution": "其它事业单位",
    "platform_company": "平台公司",
    "soe": "其他国有企业",
    "large_enterprise": "大型企业",
}
DISPUTE_LABELS = {"undisputed": "无分歧", **{k: f"有分歧·{v}" for k, v in DISPUTE_ROUTES.items()}}
DISPUTE_LABELS["unspecified"] = "有分歧·未定途径"


def clearance_rate(verified_repaid: Decimal, principal: Decimal) -> Decimal | None:
    """清偿率 = verified repayments / principal of the same items, 4 places, half up; none when
    there is no principal. Adjustments (核减) are not repayments: they lower what is owed, not
    what was paid (docs/ledger.md)."""
    if not principal:
        return None
    return (verified_repaid / principal).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP) if whole else None


def now() -> datetime:
    return datetime.now(UTC)


def uses_aggregate(f: ItemFilters) -> bool:
    set_filters = {
        name
        for name, value in vars(f).items()
        if value not in (None, (), False)  # unset: None, no statuses, mine=False
    }
    return set_filters <= AGGREGATE_FILTERS


def filter_query(f: ItemFilters, **extra: str) -> dict[str, str]:
    """The GET /items query behind a figure: the report's own filters plus the row's."""
    out: dict[str, str] = {}
    if f.unit_id:
        out["unit_id"] = f.unit_id
    if f.region:
        out["region"] = f.region
    if f.debtor_type:
        out["debtor_type"] = f.debtor_type
    if f.status:
        out["status"] = ",".join(f.status)
    if f.disputed is not None:
        out["disputed"] = str(f.disputed).lower()
    if f.overdue is not None:
        out["overdue"] = str(f.overdue).lower()
    for name in ("q", "debtor_id", "creditor_id", "responsible_person_id", "flag"):
        if getattr(f, name):
            out[name] = getattr(f, name)
    if f.mine:
        out["mine"] = "true"
    if f.key_case is not None:
        out["key_case"] = str(f.key_case).lower()
    if f.flagged is not None:
        out["flagged"] = str(f.flagged).lower()
    if f.no_update_weeks:
        out["no_update_weeks"] = str(f.no_update_weeks)
    out.update(extra)
    return out


# ---------------------------------------------------------------- sources

# Statements are built once per shape (the caller's kind of scope, which filters are set, what is
# grouped) and run with the values as parameters, as the list does (ledger/listing.py): building
# and compiling a statement cost more than running it on the aggregates.
_STATEMENTS: dict[tuple, object] = {}


def _statement(key: tuple, build):
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= 1024:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


def _shape(principal: Principal, f: ItemFilters) -> tuple:
    return (scope_shape(principal), judicial_only(principal), f.shape(), uses_aggregate(f))


def _aggregate_where(principal: Principal, f: ItemFilters, table) -> list:
    where = [scope_clause(principal, unit_col=table.unit_id, region_col=table.region_path, bound=True)]
    if f.unit_id:
        where.append(table.unit_id == bindparam("f_unit"))
    if f.region:
        where.append(table.region_path.like(bindparam("f_region"), escape="\\"))
    if f.debtor_type and hasattr(table, "debtor_type"):
        where.append(table.debtor_type == bindparam("f_debtor_type"))
    if f.status and hasattr(table, "status"):
        where.append(table.status.in_(bindparam("f_status", expanding=True)))
    if f.disputed is not None and hasattr(table, "disputed"):
        where.append(table.disputed.is_(f.disputed))
    return where


def slices(principal: Principal, f: ItemFilters):
    """(subquery, source): rows of (region_path, unit_id, debtor_type, disputed, dispute_route,
    status, item_count and the four sums) covering exactly the items ``f`` selects."""
    if uses_aggregate(f):
        a = ItemAggregate
        query = select(
            a.region_path,
            a.unit_id,
            a.debtor_type,
            a.disputed,
            a.dispute_route,
            a.status,
            a.item_count,
            a.principal,
            a.verified_repaid,
            a.adjustments_total,
            a.outstanding,
        ).where(*_aggregate_where(principal, f, a))
        return query.subquery("slices"), "aggregate"
    i = ArrearsItem
    query = filtered_ids(principal, f).with_only_columns(
        i.region_path,
        i.responsible_unit_id.label("unit_id"),
        i.debtor_type,
        i.disputed,
        func.coalesce(i.dispute_route, "").label("dispute_route"),
        i.status,
        literal(1).label("item_count"),
        i.principal,
        i.verified_repaid,
        i.adjustments_total,
        i.outstanding,
    )
    return query.subquery("slices"), "items"


def _region_key(column):
    """The caller's region's child a path lies in (/99/9901/990121/ under /99/ → /99/9901/);
    the caller's region is the required parameter ``r_base``."""
    b = bindparam("r_base", type_=String, required=True)
    child = func.split_part(func.substr(column, func.length(b) + 1), "/", 1)
    return case((column == b, b), else_=b + child + literal("/", String))


def _dispute_key(src):
    return case(
        (src.c.disputed.is_(False), literal("undisputed", String)),
        (src.c.dispute_route == "", literal("unspecified", String)),
        else_=src.c.dispute_route,
    )


@dataclass
class Acc:
    items: int = 0
    principal: Decimal = ZERO
    verified_repaid: Decimal = ZERO
    adjustments_total: Decimal = ZERO
    outstanding: Decimal = ZERO
    by_status: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, n, principal, verified, adjustments, outstanding) -> None:
        n = int(n or 0)
        if not n and not principal:
            return
        self.by_status[status] = self.by_status.get(status, 0) + n
        if status == "void":  # entered in error: counted, never summed (as GET /items/totals)
            return
        self.items += n
        self.principal += principal or ZERO
        self.verified_repaid += verified or ZERO
        self.adjustments_total += adjustments or ZERO
        self.outstanding += outstanding or ZERO

    def figures(self) -> dict:
        return {
            "items": self.items,
            "principal": self.principal,
            "verified_repaid": self.verified_repaid,
            "adjustments_total": self.adjustments_total,
            "outstanding": self.outstanding,
            "clearance_rate": clearance_rate(self.verified_repaid, self.principal),
            "by_status": {k: v for k, v in self.by_status.items() if v},
        }


GROUP_DIMS = ("unit", "debtor_type", "dispute", "region", "status")


def _base_region(principal: Principal, f: ItemFilters) -> str:
    return f.region or principal.region_path or "/"


async def grouped(
    session: AsyncSession, principal: Principal, f: ItemFilters, dims: tuple[str, ...]
) -> tuple[Acc, dict[str, dict[str, Acc]], str]:
    """Totals and, for each of ``dims``, figures per group: one scan with GROUPING SETS, each set
    also by status (void is counted apart)."""
    # Every set is also by status, so "by status" is the totals' own set (not a set of its own).
    used = [d for d in GROUP_DIMS if d in dims and d != "status"]
    source = "aggregate" if uses_aggregate(f) else "items"

    def build():
        src, _ = slices(principal, f)
        exprs = {
            "unit": src.c.unit_id,
            "debtor_type": src.c.debtor_type,
            "dispute": _dispute_key(src),
            "region": _region_key(src.c.region_path),
            "status": src.c.status,
        }
        sets = [func.grouping_sets(*[tuple_(exprs[d], src.c.status) for d in used], tuple_(src.c.status))]
        return select(
            *[exprs[d].label(f"k_{d}") for d in used],
            src.c.status.label("k_status_"),
            *[func.grouping(exprs[d]).label(f"g_{d}") for d in used],
            func.sum(src.c.item_count),
            func.sum(src.c.principal),
            func.sum(src.c.verified_repaid),
            func.sum(src.c.adjustments_total),
            func.sum(src.c.outstanding),
        ).group_by(*sets)

    query = _statement(("grouped", _shape(principal, f), tuple(used)), build)
    params = {**list_params(principal, f), "r_base": _base_region(principal, f)}
    rows = (await (await session.connection()).execute(query, params)).all()
    total = Acc()
    groups: dict[str, dict[str, Acc]] = {d: {} for d in dims}
    for row in rows:
        mapping = row._mapping
        status = mapping["k_status_"]
        sums = row[-5:]
        grouped_by = [d for d in used if mapping[f"g_{d}"] == 0]
        if not grouped_by:
            total.add(status, *sums)
            if "status" in dims:
                groups["status"].setdefault(status, Acc()).add(status, *sums)
            continue
        dim = grouped_by[0]
        groups[dim].setdefault(mapping[f"k_{dim}"], Acc()).add(status, *sums)
    return total, groups, source


async def _unit_names(session: AsyncSession, ids, known: dict[str, str] | None = None) -> dict[str, str]:
    """Unit names by id (``known``: names already read in this request, reused)."""
    known = {} if known is None else known
    missing = [i for i in ids if i and i not in known]
    if missing:
        known.update((await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(missing)))).all())
    return known


async def _region_names(session: AsyncSession, paths) -> dict[str, str]:
    paths = [p for p in paths if p]
    if not paths:
        return {}
    return dict((await session.execute(select(Region.path, Region.name).where(Region.path.in_(paths)))).all())


async def labelled_rows(
    session: AsyncSession, f: ItemFilters, dim: str, accs: dict[str, Acc], unit_names: dict[str, str] | None = None
) -> list[schemas.GroupRow]:
    if dim == "unit":
        names = await _unit_names(session, accs, unit_names)
    elif dim == "region":
        names = await _region_names(session, accs)
    elif dim == "debtor_type":
        names = DEBTOR_TYPES
    elif dim == "dispute":
        names = DISPUTE_LABELS
    else:
        names = ITEM_STATUSES

    def query_of(key: str) -> dict[str, str]:
        if dim == "unit":
            return filter_query(f, unit_id=key)
        if dim == "region":
            return filter_query(f, region=key)
        if dim == "debtor_type":
            return filter_query(f, debtor_type=key)
        if dim == "status":
            return filter_query(f, status=key)
        # 有分歧 by route: the list filters on disputed alone (a route is a column of the rows).
        return filter_query(f, disputed="false" if key == "undisputed" else "true")

    rows = [
        schemas.GroupRow(key=key, label=names.get(key, key), filters=query_of(key), **acc.figures())
        for key, acc in accs.items()
        if acc.by_status
    ]
    rows.sort(key=lambda r: (-r.outstanding, r.label))
    return rows


async def totals_report(
    session: AsyncSession, principal: Principal, f: ItemFilters, group_by: str
) -> schemas.TotalsReport:
    total, groups, source = await grouped(session, principal, f, (group_by,))
    return schemas.TotalsReport(
        group_by=group_by,
        as_of=now(),
        source=source,
        total=schemas.Figures(**total.figures()),
        rows=await labelled_rows(session, f, group_by, groups[group_by]),
    )


# ---------------------------------------------------------------- ageing


def parse_bounds(text_value: str | None) -> tuple[int, ...]:
    """``30,90,180,365`` → (30, 90, 180, 365): strictly increasing whole days, 1 to 9999."""
    if not text_value:
        return DEFAULT_BOUNDS
    try:
        bounds = tuple(int(part) for part in text_value.split(","))
    except ValueError as exc:
        raise ValueError("分档应为逗号分隔的天数，如 30,90,180,365") from exc
    if not bounds or len(bounds) > 10:
        raise ValueError("分档应为 1 到 10 个天数")
    if any(b < 1 or b > 9999 for b in bounds) or list(bounds) != sorted(set(bounds)):
        raise ValueError("分档天数应在 1 到 9999 之间且严格递增")
    return bounds


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _bucket_meta(bounds: tuple[int, ...]) -> list[tuple[str, str, int | None, int | None]]:
    """(key, label, min_days, max_days) for width_bucket's results 0..len(bounds)+1."""
    meta = [("not_due", "未到期", None, 0)]
    low = 1
    for b in bounds:
        meta.append((f"d{low}_{b}", f"逾期{low}–{b}天" if low > 1 else f"逾期{b}天以内", low, b))
        low = b + 1
    meta.append((f"d{low}_", f"逾期{low - 1}天以上", low, None))
    return meta


async def ageing_report(
    session: AsyncSession,
    principal: Principal,
    f: ItemFilters,
    bounds: tuple[int, ...] = DEFAULT_BOUNDS,
    *,
    today: date | None = None,
    by_status: dict[str, Acc] | None = None,
) -> schemas.AgeingReport:
    """Outstanding of the items still owed, by days past their due date (today − due date; the
    list's ``overdue`` is exactly days ≥ 1). An item without a due date has its own bucket."""
    today = today or china_today()
    thresholds = [1] + [b + 1 for b in bounds]
    params = {**list_params(principal, f, today=today), "a_today": today, "a_thr": thresholds}
    thr = bindparam("a_thr")
    counts: dict[int, list] = {}
    no_due = [0, ZERO]
    aggregate = uses_aggregate(f) and not (f.status or f.debtor_type or f.disputed is not None)
    if aggregate:
        # Whole months no boundary cuts through come from the month table (every day of such a
        # month falls in one bucket); the months a boundary date (today − threshold) lies in come
        # from the day table: at most len(bounds) + 1 months of it, through its due_date index.
        cut = sorted({_month(today - timedelta(days=t)) for t in thresholds})
        m, d = DueMonthAggregate, DueDayAggregate
        months = (
            select(
                func.width_bucket(bindparam("a_today", type_=Date) - m.due_month, thr).label("b"),
                m.item_count,
                m.outstanding,
            )
            .where(*_aggregate_where(principal, f, m))
            .where(~m.due_month.in_(cut))
        )
        days = (
            select(
                func.width_bucket(bindparam("a_today", type_=Date) - d.due_date, thr).label("b"),
                d.item_count,
                d.outstanding,
            )
            .where(*_aggregate_where(principal, f, d))
            .where(or_(*[and_(d.due_date >= c, d.due_date < _next_month(c)) for c in cut]))
        )
        both = union_all(months, days).subquery("due")
        rows = (
            await session.execute(
                select(both.c.b, func.sum(both.c.item_count), func.sum(both.c.outstanding)).group_by(both.c.b),
                params,
            )
        ).all()
        for b, n, owed in rows:
            counts[b] = [int(n or 0), owed or ZERO]
        # Owed items without a due date: the owed statuses' totals less those with one (open and
        # resolving items always owe something; a claimed-cleared one owes nothing).
        if by_status is None:
            _, groups, _ = await grouped(session, principal, replace(f, status=OWED_STATUSES), ("status",))
            by_status = groups["status"]
        dated_n = sum(c[0] for c in counts.values())
        dated_owed = sum((c[1] for c in counts.values()), ZERO)
        owed_items = sum(by_status[s].items for s in ("open", "resolving") if s in by_status)
        owed_total = sum((by_status[s].outstanding for s in OWED_STATUSES if s in by_status), ZERO)
        no_due = [owed_items - dated_n, owed_total - dated_owed]
        source = "aggregate"
    else:
        i = ArrearsItem
        owed = and_(i.status.in_(OWED_STATUSES), i.outstanding > 0)
        bucket = case(
            (i.due_date.is_(None), literal(-1)),
            else_=func.width_bucket(bindparam("a_today", type_=Date) - i.due_date, thr),
        ).label("b")
        query = filtered_ids(principal, f).with_only_columns(bucket, i.outstanding).where(owed).subquery("owed")
        rows = (
            await session.execute(
                select(query.c.b, func.count(), func.sum(query.c.outstanding)).group_by(query.c.b), params
            )
        ).all()
        for b, n, amount in rows:
            if b == -1:
                no_due = [int(n), amount or ZERO]
            else:
                counts[b] = [int(n), amount or ZERO]
        source = "items"
    buckets = []
    for index, (key, label, low, high) in enumerate(_bucket_meta(bounds)):
        n, amount = counts.get(index, [0, ZERO])
        extra = {"overdue": "true"} if index > 0 else {"overdue": "false"}
        buckets.append(
            schemas.AgeingBucket(
                key=key,
                label=label,
                min_days=low,
                max_days=high,
                items=n,
                outstanding=amount,
                filters=filter_query(f, **extra),
            )
        )
    buckets.append(
        schemas.AgeingBucket(
            key="no_due_date",
            label="未约定付款期限",
            min_days=None,
            max_days=None,
            items=no_due[0],
            outstanding=no_due[1],
            filters=filter_query(f, overdue="false"),
        )
    )
    overdue = [b for b in buckets[1:-1]]
    return schemas.AgeingReport(
        as_of=now(),
        today=today,
        source=source,
        bounds=list(bounds),
        overdue_items=sum(b.items for b in overdue),
        overdue_outstanding=sum((b.outstanding for b in overdue), ZERO),
        buckets=buckets,
    )


# ---------------------------------------------------------------- weekly snapshots and trend


def week_end(monday: date) -> datetime:
    """The moment a week is over: the next Monday 00:00, China time."""
    return china_midnight(monday + timedelta(days=7))


# The ledger as it stood at :t_end, per (region, unit, debtor type): items entered before it,
# repayments verified and adjustments recorded before it, voids and write-offs done by then.
SNAPSHOT_SQL = """
WITH voided AS (
    SELECT object_id AS item_id, min(occurred_at) AS at
    FROM ledger.audit_log WHERE object_type = 'item' AND action = 'item.voided' GROUP BY object_id
), paid AS (
    SELECT r.item_id, sum(r.amount) AS amount FROM ledger.repayment AS r
    WHERE r.status = 'verified' AND r.verified_at < :t_end
    GROUP BY r.item_id
), adjusted AS (
    SELECT item_id, sum(amount) AS amount FROM ledger.adjustment WHERE created_at < :t_end GROUP BY item_id
), asof AS (
    SELECT i.id, i.region_path, i.responsible_unit_id AS unit_id, i.debtor_type, i.principal,
           coalesce(p.amount, 0) AS verified, coalesce(a.amount, 0) AS adjustments,
           (v.at IS NOT NULL AND v.at < :t_end) AS voided,
           (i.written_off_at IS NOT NULL AND i.written_off_at < :t_end) AS written_off
    FROM ledger.arrears_item AS i
    LEFT JOIN paid AS p ON p.item_id = i.id
    LEFT JOIN adjusted AS a ON a.item_id = i.id
    LEFT JOIN voided AS v ON v.item_id = i.id
    WHERE i.created_at < :t_end
), weekly AS (
    SELECT x.*, (NOT x.voided AND NOT x.written_off AND x.principal - x.verified + x.adjustments > 0) AS due,
           EXISTS (SELECT 1 FROM ledger.weekly_update AS w WHERE w.item_id = x.id AND w.week_start = :monday) AS filed
    FROM asof AS x
)
INSERT INTO ledger.report_weekly_snapshot AS s (week_start, region_path, unit_id, debtor_type, item_count,
    principal, verified_repaid, adjustments_total, outstanding, written_off_count, updates_due, updates_filed,
    source, taken_at)
SELECT :monday, region_path, unit_id, debtor_type,
       count(*) FILTER (WHERE NOT voided),
       coalesce(sum(principal) FILTER (WHERE NOT voided), 0),
       coalesce(sum(verified) FILTER (WHERE NOT voided), 0),
       coalesce(sum(adjustments) FILTER (WHERE NOT voided), 0),
       coalesce(sum(principal - verified + adjustments) FILTER (WHERE NOT voided), 0),
       count(*) FILTER (WHERE written_off),
       count(*) FILTER (WHERE due),
       count(*) FILTER (WHERE due AND filed),
       :source, now()
FROM weekly GROUP BY region_path, unit_id, debtor_type
ON CONFLICT (week_start, region_path, unit_id, debtor_type) DO UPDATE SET
    item_count = excluded.item_count, principal = excluded.principal,
    verified_repaid = excluded.verified_repaid, adjustments_total = excluded.adjustments_total,
    outstanding = excluded.outstanding, written_off_count = excluded.written_off_count,
    updates_due = excluded.updates_due, updates_filed = excluded.updates_filed,
    source = excluded.source, taken_at = excluded.taken_at
"""


async def snapshot_week(session: AsyncSession, monday: date, *, source: str = "job") -> int:
    """(Re)compute the snapshot of the week starting ``monday`` for the whole ledger; idempotent."""
    result = await session.execute(
        text(SNAPSHOT_SQL),
        {
            "monday": monday,
            "t_end": week_end(monday),
            "source": source,
        },
    )
    return result.rowcount or 0


async def snapshot_missing_weeks(
    session: AsyncSession, *, today: date | None = None, back_weeks: int = 26
) -> list[str]:
    """The scheduled job's work: every complete week of the last ``back_weeks`` without a
    snapshot, from the ledger's history (the first run backfills them)."""
    today = today or china_today()
    last = week_start(today) - timedelta(days=7)
    first = last - timedelta(days=7 * (back_weeks - 1))
    have = set(
        await session.scalars(select(WeeklySnapshot.week_start).where(WeeklySnapshot.week_start >= first).distinct())
    )
    oldest_item = await session.scalar(select(func.min(ArrearsItem.created_at)))
    done = []
    monday = first
    while monday <= last:
        ended_with_items = oldest_item is not None and oldest_item < week_end(monday)
        if monday not in have and ended_with_items:
            await snapshot_week(session, monday)
            done.append(week_label(monday))
        monday += timedelta(days=7)
    return done


def _snapshot_where(principal: Principal, f: ItemFilters) -> list:
    return _aggregate_where(principal, replace(f, status=(), disputed=None), WeeklySnapshot)


async def trend_report(
    session: AsyncSession,
    principal: Principal,
    f: ItemFilters,
    since: date,
    *,
    today: date | None = None,
    live: Acc | None = None,
) -> schemas.TrendReport:
    today = today or china_today()
    s = WeeklySnapshot
    params = list_params(principal, f, today=today)
    rows = (
        await session.execute(
            select(
                s.week_start,
                func.sum(s.item_count),
                func.sum(s.principal),
                func.sum(s.verified_repaid),
                func.sum(s.outstanding),
                func.sum(s.written_off_count),
            )
            .where(*_snapshot_where(principal, f), s.week_start >= since, s.week_start < week_start(today))
            .group_by(s.week_start)
            .order_by(s.week_start),
            params,
        )
    ).all()
    points = [
        schemas.TrendPoint(
            week=week_label(monday),
            week_start=monday,
            live=False,
            items=int(n),
            principal=principal_sum,
            verified_repaid=verified,
            outstanding=owed,
            clearance_rate=clearance_rate(verified, principal_sum),
            written_off_items=int(w),
        )
        for monday, n, principal_sum, verified, owed, w in rows
    ]
    total = live
    if total is None:
        total, _, _ = await grouped(session, principal, replace(f, status=(), disputed=None), ())
    current = schemas.TrendPoint(
        week=week_label(today),
        week_start=week_start(today),
        live=True,
        items=total.items,
        principal=total.principal,
        verified_repaid=total.verified_repaid,
        outstanding=total.outstanding,
        clearance_rate=clearance_rate(total.verified_repaid, total.principal),
        written_off_items=total.by_status.get("written_off", 0),
    )
    points.append(current)
    previous = week_start(today) - timedelta(days=7)
    last = next((p for p in points if p.week_start == previous and not p.live), None)
    change = None
    if last is not None:
        change = schemas.WeekChange(
            week=current.week,
            previous_week=last.week,
            outstanding=current.outstanding,
            outstanding_change=current.outstanding - last.outstanding,
            verified_repaid=current.verified_repaid,
            verified_repaid_change=current.verified_repaid - last.verified_repaid,
            items=current.items,
            items_change=current.items - last.items,
            written_off_items_change=current.written_off_items - last.written_off_items,
        )
    return schemas.TrendReport(as_of=now(), since=week_label(since), points=points, change=change)


# ---------------------------------------------------------------- flags and ranking


async def flag_counts(session: AsyncSession, principal: Principal, f: ItemFilters) -> dict[str, dict[str, int]]:
    """unit id → kind → active flags, from the flag aggregate."""
    a = FlagAggregate
    rows = (
        await session.execute(
            select(a.unit_id, a.kind, func.sum(a.active))
            .where(*_aggregate_where(principal, replace(f, debtor_type=None, status=(), disputed=None), a))
            .group_by(a.unit_id, a.kind),
            list_params(principal, f),
        )
    ).all()
    out: dict[str, dict[str, int]] = {}
    for unit_id, kind, n in rows:
        if n:
            out.setdefault(unit_id, {})[kind] = int(n)
    return out


async def flags_report(
    session: AsyncSession,
    principal: Principal,
    f: ItemFilters,
    *,
    counts: dict[str, dict[str, int]] | None = None,
    unit_names: dict[str, str] | None = None,
) -> schemas.FlagReport:
    counts = await flag_counts(session, principal, f) if counts is None else counts
    names = await _unit_names(session, counts, unit_names)
    by_kind = {kind: 0 for kind in FLAG_KINDS}
    for kinds in counts.values():
        for kind, n in kinds.items():
            by_kind[kind] = by_kind.get(kind, 0) + n
    units = [
        schemas.FlagUnitRow(unit_id=u, unit_name=names.get(u, u), total=sum(k.values()), by_kind=k)
        for u, k in counts.items()
    ]
    units.sort(key=lambda r: (-r.total, r.unit_name))
    return schemas.FlagReport(
        as_of=now(),
        total=sum(by_kind.values()),
        by_kind=[schemas.FlagCount(kind=k, label=FLAG_KINDS.get(k, k), active=n) for k, n in by_kind.items()],
        by_unit=units,
    )


async def ranking_report(
    session: AsyncSession,
    principal: Principal,
    f: ItemFilters,
    *,
    today: date | None = None,
    units: dict[str, Acc] | None = None,
    flags: dict[str, dict[str, int]] | None = None,
    unit_names: dict[str, str] | None = None,
) -> schemas.RankingReport:
    """Units by clearance rate (then by weekly-update punctuality of the last complete week):
    the bulletin's table (通报)."""
    today = today or china_today()
    if units is None:
        _, groups, _ = await grouped(session, principal, replace(f, status=(), disputed=None), ("unit",))
        units = groups["unit"]
    previous = week_start(today) - timedelta(days=7)
    s = WeeklySnapshot
    snap = {
        unit_id: (owed, int(due or 0), int(filed or 0))
        for unit_id, owed, due, filed in (
            await session.execute(
                select(s.unit_id, func.sum(s.outstanding), func.sum(s.updates_due), func.sum(s.updates_filed))
                .where(*_snapshot_where(principal, f), s.week_start == previous)
                .group_by(s.unit_id),
                list_params(principal, f, today=today),
            )
        ).all()
    }
    flags = await flag_counts(session, principal, f) if flags is None else flags
    names = await _unit_names(session, units, unit_names)
    rows = []
    for unit_id, acc in units.items():
        if not acc.items:
            continue
        owed_then, due, filed = snap.get(unit_id, (None, 0, 0))
        rows.append(
            schemas.RankingRow(
                rank=0,
                unit_id=unit_id,
                unit_name=names.get(unit_id, unit_id),
                items=acc.items,
                principal=acc.principal,
                verified_repaid=acc.verified_repaid,
                outstanding=acc.outstanding,
                clearance_rate=clearance_rate(acc.verified_repaid, acc.principal),
                outstanding_change=None if owed_then is None else acc.outstanding - owed_then,
                updates_due=due,
                updates_filed=filed,
                punctuality=ratio(filed, due),
                active_flags=sum(flags.get(unit_id, {}).values()),
            )
        )
    minus = Decimal(-1)
    rows.sort(
        key=lambda r: (
            -(r.clearance_rate if r.clearance_rate is not None else minus),
            -(r.punctuality if r.punctuality is not None else minus),
            r.unit_name,
        )
    )
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return schemas.RankingReport(as_of=now(), week=week_label(previous), rows=rows)


# ---------------------------------------------------------------- the dashboard


async def dashboard(
    session: AsyncSession, principal: Principal, f: ItemFilters, *, today: date | None = None, trend_weeks: int = 12
) -> schemas.Dashboard:
    """One scan of the item aggregate serves the totals, the groupings, the ranking, the trend's
    live point and the ageing's owed total; the flag counts and unit names are read once."""
    today = today or china_today()
    total, groups, _ = await grouped(session, principal, f, ("unit", "debtor_type", "dispute", "status"))
    flags = await flag_counts(session, principal, f)
    names = await _unit_names(session, [*groups["unit"], *flags])
    since = week_start(today) - timedelta(days=7 * trend_weeks)
    owed = {s: acc for s, acc in groups["status"].items() if s in OWED_STATUSES}
    return schemas.Dashboard(
        as_of=now(),
        total=schemas.Figures(**total.figures()),
        by_unit=await labelled_rows(session, f, "unit", groups["unit"], names),
        by_debtor_type=await labelled_rows(session, f, "debtor_type", groups["debtor_type"]),
        by_dispute=await labelled_rows(session, f, "dispute", groups["dispute"]),
        ageing=await ageing_report(session, principal, f, today=today, by_status=owed),
        trend=await trend_report(session, principal, f, since, today=today, live=total),
        ranking=await ranking_report(
            session, principal, f, today=today, units=groups["unit"], flags=flags, unit_names=names
        ),
        flags=await flags_report(session, principal, f, counts=flags, unit_names=names),
    )
