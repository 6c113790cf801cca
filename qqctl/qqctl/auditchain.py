"""``qqctl audit-verify``: every service's hash-chained tables walked as the administrative role
(the same check as each service's ``GET /api/<svc>/audit/verify``, without any service running)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from qq_kernel.audit import verify_chain
from qqctl.provision import with_credentials_of_admin
from qqctl.services import SERVICES


def _async_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def verify_all(admin_url: str, database: str) -> list[dict]:
    engine = create_async_engine(_async_url(with_credentials_of_admin(admin_url, database)))
    try:
        async with engine.connect() as conn:
            # A chained table is one with the chain's row-hash function, whatever migrations added it.
            tables = (
                await conn.execute(
                    text(
                        "SELECT n.nspname, left(p.proname, -length('_row_hash')) FROM pg_proc p"
                        " JOIN pg_namespace n ON n.oid = p.pronamespace"
                        " WHERE n.nspname = ANY(:schemas) AND p.proname LIKE '%\\_row\\_hash' ORDER BY 1, 2"
                    ),
                    {"schemas": [spec.key for spec in SERVICES]},
                )
            ).all()
            return [await verify_chain(conn, schema, table) for schema, table in tables]
    finally:
        await engine.dispose()
