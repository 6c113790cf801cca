"""The weekly snapshot job: every complete week of the last half year without a snapshot gets
one, from the ledger's history (the first run after deployment backfills them). Run hourly by the
kernel scheduler, one replica at a time (its advisory lock); idempotent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from ledger_api.reports.service import snapshot_missing_weeks
from qq_kernel.scheduler import Job


async def take_snapshots(session_factory: async_sessionmaker) -> dict[str, list[str]]:
    async with session_factory() as session:
        weeks = await snapshot_missing_weeks(session)
        await session.commit()
    return {"weeks": weeks}


async def _take_in_service(app) -> dict[str, list[str]]:
    return await take_snapshots(app.state.session_factory)


# Hourly, so a week's snapshot exists within the hour after it ends (Sunday 24:00, China time).
SNAPSHOTS_JOB = Job("ledger.reports.snapshots", 3600, _take_in_service, first_delay_seconds=120)
