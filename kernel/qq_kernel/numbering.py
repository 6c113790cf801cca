"""Yearly numbering (台账编号, 督办书文号): a counter per series, scope (a region) and year,
taken by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``. The row lock serialises concurrent
takers of the same counter until their transaction ends, so numbers are gap-free per committed
transaction and never repeat; different regions never wait for each other."""

from __future__ import annotations

from sqlalchemy import Integer, String, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column


class YearlySequenceMixin:
    """Columns of ``yearly_sequence``; a service's Base makes the table in its own schema."""

    __tablename__ = "yearly_sequence"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)


_NEXT = {}


async def next_yearly_value(session: AsyncSession, model: type, *, series: str, scope: str, year: int) -> int:
    """The next number (1, 2, …) of ``series`` for ``scope`` in ``year``, in the caller's transaction."""
    table = model.__table__.fullname
    statement = _NEXT.get(table)
    if statement is None:
        statement = _NEXT[table] = text(
            f"INSERT INTO {table} (series, scope, year, last_value) VALUES (:series, :scope, :year, 1) "
            f"ON CONFLICT (series, scope, year) DO UPDATE SET last_value = {model.__tablename__}.last_value + 1 "
            "RETURNING last_value"
        )
    return int(await session.scalar(statement, {"series": series, "scope": scope, "year": year}))


_TAKE = {}


async def take_yearly_values(
    session: AsyncSession, model: type, *, series: str, scope: str, year: int, n: int
) -> range:
    """``n`` consecutive numbers of ``series`` in one statement (a bulk import's new items)."""
    table = model.__table__.fullname
    statement = _TAKE.get(table)
    if statement is None:
        statement = _TAKE[table] = text(
            f"INSERT INTO {table} (series, scope, year, last_value) VALUES (:series, :scope, :year, :n) "
            f"ON CONFLICT (series, scope, year) DO UPDATE SET last_value = {model.__tablename__}.last_value + :n "
            "RETURNING last_value"
        )
    last = int(await session.scalar(statement, {"series": series, "scope": scope, "year": year, "n": n}))
    return range(last - n + 1, last + 1)
