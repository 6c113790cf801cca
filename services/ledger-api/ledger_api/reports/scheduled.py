"""The weekly snapshot job: every complete week of the last half year without a snapshot gets
one, from the ledger's history (the first run after deployment backfills them). Run hourly by the
kernel scheduler, one replica at a time (its advisory lock); idempotent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from ledger_api.reports.service import snapshot_missing_weeks


async def take_snapshots(session_factory: async_sessionmaker) -> dict[str, list[str]]:
    async with session_factory() as session:
        weeks = await snapshot_missing_weeks(session)
        await session.commit()
    return {"weeks": weeks}
