"""One page shape for every list endpoint of every service."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
MAX_PAGE_SIZE = 200
# 100,000 pages of 10 cover a million rows; the offset (at most 2·10⁷) stays far inside the
# database's integers, which page=10¹² once overflowed (a 500).
MAX_PAGE = 100_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    total_exact: bool = Field(default=True, description="false: at least `total` rows match (counting stopped there)")

    @classmethod
    def of(cls, items: list, total: int, params: PageParams, *, total_exact: bool = True) -> Page:
        """The page of ``params`` holding ``items`` out of ``total``."""
        return cls(
            items=items, total=int(total or 0), page=params.page, page_size=params.page_size, total_exact=total_exact
        )


class PageParams:
    """A list's ``page`` and ``page_size``: routes take ``params: PageParams = Depends(PageParams.from_query)``,
    which reads and bounds them from the query string."""

    def __init__(self, page: int = 1, page_size: int = 20) -> None:
        self.page = page
        self.page_size = page_size

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    # An async constructor: FastAPI runs a sync dependency (a class) in its thread pool, a hop
    # per request on the hottest path.
    @classmethod
    async def from_query(
        cls,
        page: int = Query(1, ge=1, le=MAX_PAGE, description=f"页码，从 1 开始，至多 {MAX_PAGE}"),
        page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE, description="每页条数"),
    ) -> PageParams:
        return cls(page, page_size)


# 50 pages of 20: further than anyone pages. Beyond it a list says "1,000+" and the exact
# figures of the same filters come from a totals endpoint (the ledger's GET /items/totals).
COUNT_CAP = 1_000


async def capped_count(session: AsyncSession, query: Select, cap: int | None = None) -> tuple[int, bool]:
    """Count up to ``cap`` rows: a list over a million rows answers "1,000+" in milliseconds
    instead of counting them all on every page (bench/README.md)."""
    cap = cap or COUNT_CAP
    inner = query.order_by(None).limit(cap + 1).subquery()
    n = int(await session.scalar(select(func.count()).select_from(inner)) or 0)
    return (cap, False) if n > cap else (n, True)


async def paginate(session: AsyncSession, query: Select, params: PageParams) -> tuple[list, int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.scalars(query.limit(params.page_size).offset(params.offset))).all()
    return list(rows), int(total or 0)
