"""Async SQLAlchemy 2 over asyncpg: one engine and one session factory per service, a MetaData
naming convention so every constraint has a predictable name in every migration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_base(schema: str) -> type[DeclarativeBase]:
    """A declarative base whose tables all live in ``schema``."""

    class Base(DeclarativeBase):
        metadata = MetaData(schema=schema, naming_convention=NAMING_CONVENTION)

    return Base


def asyncpg_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` URLs (what operators write) and point them at asyncpg.

    libpq's ``?host=/socket/dir`` form (the embedded server) is kept: asyncpg understands it.
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+asyncpg"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "sslmode" or v != "disable"]
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


SERVER_SETTINGS = {
    # Times are stored as timestamptz and compared in UTC.
    "timezone": "UTC",
    "application_name": "qingqian",
    # asyncpg prepares statements; a generic plan for a search term can be 1000× slower than the
    # custom one (bench/README.md), so plan each execution for its values.
    "plan_cache_mode": "force_custom_plan",
    # JIT pays off for long analytical queries; for a page it is pure cost: a search whose plan
    # merely *could* scan the ledger compiled for 49 ms to run for 25 ms (bench/README.md).
    "jit": "off",
}


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No ping before every checkout (a round trip per request); recycle instead, and a dead
        # connection fails one request, which the client retries.
        pool_pre_ping=False,
        pool_recycle=1800,
        # Times are stored as timestamptz and compared in UTC.
        connect_args={"server_settings": SERVER_SETTINGS},
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: one session per request; the route commits explicitly, anything
    not committed is rolled back (nothing is half-written)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session


# The request's session, as a route parameter type: ``session: Session``.
Session = Annotated[AsyncSession, Depends(get_session)]


# PostgreSQL's wire protocol carries at most 32,767 parameters per statement: a multi-row INSERT
# of many rows (a notification for every person of a region) goes in slices under that limit.
MAX_QUERY_PARAMETERS = 32_767


async def insert_ignoring_conflicts(session: AsyncSession, model: type, rows: list[dict]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows``, in as many statements as the limit needs."""
    from sqlalchemy.dialects.postgresql import insert

    if not rows:
        return
    per_statement = max(1, MAX_QUERY_PARAMETERS // max(1, len(rows[0])))
    for start in range(0, len(rows), per_statement):
        await session.execute(insert(model).values(rows[start : start + per_statement]).on_conflict_do_nothing())
