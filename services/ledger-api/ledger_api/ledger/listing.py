"""The ledger's lists: GET /items (filters, search, sorts, a capped count) and its totals.
The hot path of the platform (bench/README.md): statements cached per shape, late join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pydantic import TypeAdapter
from sqlalchemy import Integer, Select, and_, any_, bindparam, func, not_, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.config import SCHEMA
from ledger_api.flags.models import RedFlag
from ledger_api.identity.models import Unit, User
from ledger_api.ledger import schemas
from ledger_api.ledger.access import OPEN_STATUSES, item_scope, judicial_only
from ledger_api.ledger.models import (
    ArrearsItem,
    Creditor,
    Debtor,
)
from ledger_api.supervision.models import KeyCase
from ledger_api.weekly.models import WeeklyUpdate
from ledger_api.weekly.rules import WEEKLY_STATUSES, stale_cutoff
from qq_kernel import textsearch
from qq_kernel.auth.principal import Principal
from qq_kernel.auth.scope import (
    scope_params,
    scope_shape,
)
from qq_kernel.clock import china_midnight, china_today
from qq_kernel.textsearch import escape_like

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
    return (scope_shape(principal), judicial_only(principal))


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
        params.update(f_cutoff=cutoff, f_entered_before=china_midnight(cutoff + timedelta(days=7)))
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
