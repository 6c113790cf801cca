"""The scheduled evaluation of red flags: the time-based conditions (an installment falling due,
a week passing without an update, a repayment waiting too long for its proof) hold without anyone
touching the item, so a job re-evaluates every item that can carry a flag, once a day.

``evaluate_all`` is a plain async function over a session factory, so any scheduler can call it:
``qqctl`` (a future ``qqctl flags evaluate``), cron through ``python -m ledger_api.flags.scheduled``
(reads the ``LEDGER_`` settings), or a test with the day it wants to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger_api.flags.models import RedFlag
from ledger_api.flags.service import evaluate_item
from ledger_api.ledger.models import ArrearsItem
from ledger_api.ledger.service import OPEN_STATUSES
from qq_kernel.clock import china_today

log = logging.getLogger("ledger_api.flags")


async def evaluate_all(
    session_factory: async_sessionmaker[AsyncSession],
    today: date | None = None,
    *,
    region_path: str | None = None,
    batch_size: int = 200,
) -> dict[str, int]:
    """Evaluate every open item, and any void one still carrying a flag (optionally only within a
    region subtree), one transaction per batch. A written-off item needs no visit: its write-off
    evaluated it, and what it keeps (conduct flags) no longer depends on the day. An item locked
    by a user's change at that moment is skipped: that change evaluates it itself. Returns counts."""
    today = today or china_today()
    counts = {"evaluated": 0, "raised": 0, "cleared": 0, "skipped": 0}
    has_active_flag = select(RedFlag.id).where(RedFlag.item_id == ArrearsItem.id, RedFlag.cleared_at.is_(None)).exists()
    last_id = ""
    while True:
        async with session_factory() as session:
            query = select(ArrearsItem.id).where(
                or_(ArrearsItem.status.in_(OPEN_STATUSES), and_(ArrearsItem.status == "void", has_active_flag)),
                ArrearsItem.id > last_id,
            )
            if region_path:
                query = query.where(ArrearsItem.region_path.startswith(region_path, autoescape=True))
            ids = list(await session.scalars(query.order_by(ArrearsItem.id).limit(batch_size)))
            if not ids:
                break
            last_id = ids[-1]
            items = list(
                await session.scalars(
                    select(ArrearsItem).where(ArrearsItem.id.in_(ids)).with_for_update(skip_locked=True)
                )
            )
            counts["skipped"] += len(ids) - len(items)
            for item in items:
                result = await evaluate_item(session, item, today)
                counts["evaluated"] += 1
                counts["raised"] += len(result.raised)
                counts["cleared"] += len(result.cleared)
            await session.commit()
    log.info("red flags evaluated", extra={"today": today.isoformat(), **counts})
    return counts


async def run(today: date | None = None, *, region_path: str | None = None) -> dict[str, int]:
    """Evaluate with the service's own settings (``LEDGER_DATABASE_URL``, the runtime role)."""
    from ledger_api.config import Settings
    from qq_kernel.db import create_engine, create_session_factory

    settings = Settings()
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=1)
    try:
        return await evaluate_all(create_session_factory(engine), today, region_path=region_path)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the ledger's red flags (预警)")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="the day to evaluate (default today)")
    parser.add_argument("--region", default=None, help="only a region subtree, e.g. /99/9901/")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.date, region_path=args.region))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
