"""The changes this benchmark proposes for GET /api/ledger/items, applied to the running code by
monkeypatching, so they can be measured end to end without touching the product code.

    .venv/bin/python -m bench.measure --variant proposed      # uses bench.proposed:create_app

What differs from ledger_api.ledger.router.list_items / service.list_query:

1. **Bounded count.** ``total`` is counted exactly up to ``COUNT_CAP`` (10,000; ``--count-cap``) rows and the page
   says ``total_exact: false`` beyond that ("10,000+"), instead of ``COUNT(*)`` over the whole
   filtered set on every page.
2. **No joins in the count.** Filters on the debtor or creditor are semi-joins written as
   ``col = ANY(ARRAY(SELECT id …))`` (an index condition on ix_arrears_item_debtor/creditor, and
   usable inside an OR); the count reads arrears_item alone.
3. **Late join.** The page is chosen on arrears_item alone (ORDER BY … LIMIT/OFFSET over ids) and
   only its 20 rows are joined to debtor and creditor: deep pages stop paying two index lookups
   per skipped row.
4. **Search (q).** Each arm of the OR is indexable: debtor/creditor ids from their tables, the
   contract name through a GIN index on its bigrams (bench/proposals.sql: pg_trgm needs three
   characters, and most Chinese search terms are two), the ledger number by its unique index.
   LIKE instead of ILIKE when the term has no cased letters (same result, half the CPU).
5. **No pre-ping, custom plans.** The engine is created with ``pool_pre_ping=False``: with the
   asyncpg driver a ping is BEGIN; SELECT; ROLLBACK, and each request checks out two connections
   (authentication and the route), so 6 of its 13 round trips to PostgreSQL were pings. And with
   ``plan_cache_mode=force_custom_plan`` (see SERVER_SETTINGS).

Everything else (scope, filters, sorts, the response items) is the product's own code.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from fastapi import Depends
from sqlalchemy import Select, and_, any_, func, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import create_async_engine

from ledger_api.ledger import router as items
from ledger_api.ledger import schemas, service
from ledger_api.ledger.models import ArrearsItem, Creditor, Debtor
from qq_kernel.auth.principal import Principal
from qq_kernel.pagination import Page, PageParams

COUNT_CAP = int(os.environ.get("QQ_BENCH_COUNT_CAP", "10000"))  # bench.measure --count-cap
# force_custom_plan: SQLAlchemy's asyncpg driver keeps prepared statements, and after five runs
# PostgreSQL may switch one to a generic plan, blind to the search term: the same text for
# q=教育 then served q=建设 in 8 s instead of 10 ms. Planning each time costs ~1 ms.
SERVER_SETTINGS = {"timezone": "UTC", "application_name": "qingqian", "plan_cache_mode": "force_custom_plan"}
LEAN_FILTERS = {"unit_id", "region", "debtor_type", "status", "disputed", "overdue", "q", "creditor_id", "debtor_id"}


class CappedPage(Page[schemas.ItemOut]):
    total_exact: bool = True


def _bigrams(expr):
    return func.ledger.qq_bigrams(expr)


def _text_match(col, q: str):
    like = f"%{q}%"
    # Without cased letters ILIKE finds exactly what LIKE finds, at about twice the cost per row.
    match = col.like(like) if q.lower() == q.upper() else col.ilike(like)
    if len(q) >= 2:
        # The GIN of bench/proposals.sql. LIKE first: where this is a row filter (the page walks the
        # sort index), the bigrams of a row (~80 µs) are computed only for the rows that match.
        return and_(match, _bigrams(col).op("@>")(_bigrams(q)))
    return match


def _ids(stmt) -> Any:
    """``= ANY(ARRAY(SELECT …))``: an index condition, also inside an OR (a plain IN-subquery is not)."""
    return any_(func.array(stmt.scalar_subquery()))


def search_arms(q: str, *, indexable: bool) -> list:
    """The ways an item matches ``q``. ``indexable``: debtor and creditor as ``= ANY(ARRAY(…))``, an
    index condition (the count); else as hashed IN-subqueries, a cheap row filter while the page
    walks its sort index (ANY over thousands of ids is a linear search per row)."""
    debtors = select(Debtor.id).where(_text_match(Debtor.name, q))
    creditors = select(Creditor.id).where(_text_match(Creditor.name, q))
    return [
        ArrearsItem.debtor_id == _ids(debtors) if indexable else ArrearsItem.debtor_id.in_(debtors),
        ArrearsItem.creditor_id == _ids(creditors) if indexable else ArrearsItem.creditor_id.in_(creditors),
        _text_match(ArrearsItem.contract_name, q),
        ArrearsItem.ledger_no == q,
    ]


def conditions(
    principal,
    *,
    unit_id: str | None = None,
    region: str | None = None,
    debtor_type: str | None = None,
    status: list[str] | None = None,
    disputed: bool | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    creditor_id: str | None = None,
    debtor_id: str | None = None,
    **_: Any,
) -> list:
    """service.list_query's WHERE clause without ``q``, on arrears_item alone."""
    where = [service.item_scope(principal)]
    if unit_id:
        where.append(ArrearsItem.responsible_unit_id == unit_id)
    if region:
        where.append(ArrearsItem.region_path.startswith(region, autoescape=True))
    if debtor_type:
        # a hashed semi-join: thousands of debtors have a type, ANY(ARRAY) would be a linear search per row
        where.append(ArrearsItem.debtor_id.in_(select(Debtor.id).where(Debtor.type == debtor_type)))
    if status:
        where.append(ArrearsItem.status.in_(status))
    if disputed is not None:
        where.append(ArrearsItem.disputed.is_(disputed))
    if overdue is not None:
        late = and_(
            ArrearsItem.due_date < date.today(),
            ArrearsItem.outstanding > 0,
            ArrearsItem.status.in_(service.OPEN_STATUSES),
        )
        where.append(late if overdue else not_(late))
    if creditor_id:
        where.append(ArrearsItem.creditor_id == creditor_id)
    if debtor_id:
        where.append(ArrearsItem.debtor_id == debtor_id)
    return where


def page_query(principal, filters: dict, sort_by: tuple, limit: int, offset: int) -> Select:
    where = conditions(principal, **filters)
    if filters.get("q"):
        where.append(or_(*search_arms(filters["q"], indexable=False)))
    ids = select(ArrearsItem.id).where(*where).order_by(*sort_by).limit(limit).offset(offset).subquery("page_ids")
    return (
        select(ArrearsItem, Debtor.name, Debtor.type, Creditor.name)
        .join(ids, ids.c.id == ArrearsItem.id)
        .join(Debtor, Debtor.id == ArrearsItem.debtor_id)
        .join(Creditor, Creditor.id == ArrearsItem.creditor_id)
        .order_by(*sort_by)
    )


def count_query(principal, filters: dict, cap: int | None = None) -> Select:
    """At most cap + 1 ids. A search counts its arms one after the other (UNION ALL, each arm
    without the rows of the arms before it, so the LIMIT stops the scan early; a UNION would
    first collect every match): one OR would make every matching row re-evaluate every arm, the
    bigrams of its contract name included, while apart each arm is an index condition that a
    bitmap heap scan does not recheck."""
    cap = COUNT_CAP if cap is None else cap
    where = conditions(principal, **filters)
    if filters.get("q"):
        arms = search_arms(filters["q"], indexable=True)
        parts = [select(ArrearsItem.id).where(*where, arm, *(not_(a) for a in arms[:k])) for k, arm in enumerate(arms)]
        capped = select(union_all(*parts).subquery("matches").c.id).limit(cap + 1).subquery("capped")
    else:
        capped = select(ArrearsItem.id).where(*where).limit(cap + 1).subquery("capped")
    return select(func.count()).select_from(capped)


async def list_items(
    session: items.Session,
    principal: Principal = Depends(items.read_ledger),
    params: PageParams = Depends(),
    filters: items.ItemFilters = Depends(),
    sort: items.ItemSort = "-created_at",
) -> CappedPage:
    values = {k: v for k, v in filters.values.items() if v is not None}
    sort_by = items._SORTS[sort]
    if set(values) - LEAN_FILTERS:  # filters this sketch does not cover take the product's path
        page: Page = await _original["list_items"](session, principal, params, filters, sort)
        return CappedPage(**page.model_dump(), total_exact=True)
    rows = (await session.execute(page_query(principal, values, sort_by, params.page_size, params.offset))).all()
    total = int(await session.scalar(count_query(principal, values)) or 0)
    return CappedPage(
        items=[service.item_out(r) for r in rows],
        total=min(total, COUNT_CAP),
        total_exact=total <= COUNT_CAP,
        page=params.page,
        page_size=params.page_size,
    )


_original: dict = {}


def install() -> None:
    """Replace the list route and the engine factory (before the app is built)."""
    import qq_kernel.app
    import qq_kernel.db

    if _original:
        return

    def engine_without_pre_ping(url: str, *, pool_size: int = 10, max_overflow: int = 10):
        return create_async_engine(
            qq_kernel.db.asyncpg_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            connect_args={"server_settings": SERVER_SETTINGS},
        )

    qq_kernel.app.create_engine = engine_without_pre_ping
    route = next(r for r in items.items_router.routes if getattr(r, "name", None) == "list_items")
    _original["list_items"] = route.endpoint
    items.items_router.routes.remove(route)
    items.items_router.add_api_route(
        "", list_items, methods=["GET"], name="list_items", response_model=CappedPage, tags=["items"]
    )


def create_app():
    install()
    from ledger_api.main import create_app as product_create_app

    return product_create_app()
