"""The scheduled evaluation of red flags: the time-based conditions (an installment falling due,
a week passing without an update, a repayment waiting too long for its proof) hold without anyone
touching the item, so a job re-evaluates every item that can carry a flag, once a day.

Set-based: the ledger is walked in chunks of the primary key (``chunk_size`` item ids, a range
scan each, in its own short transaction). For each chunk ONE read-only statement evaluates every
flag kind's SQL rule (:mod:`ledger_api.flags.rules`, the same rules the request path runs) over
the whole chunk and returns the items whose active flags differ from what holds. Only those items
are locked (``FOR NO KEY UPDATE SKIP LOCKED``: an item a user's change holds at that moment is
skipped, that change evaluates it itself) and synced by ONE statement that clears, raises and
writes the audit rows. A run that finds nothing to change writes nothing, not even a row lock.

``evaluate_all`` is a plain async function over a session factory, so any scheduler can call it:
the service's own job (``ledger.flags.evaluate``, advisory lock: one replica at a time), cron
through ``python -m ledger_api.flags.scheduled`` (reads the ``LEDGER_`` settings), the benchmark
(``bench/flags.py``) or a test with the day it wants to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger_api.flags import rules
from ledger_api.flags.service import ALL_KINDS, sync_flags
from ledger_api.ledger.access import OPEN_STATUSES
from ledger_api.ledger.models import ArrearsItem
from qq_kernel.clock import china_today
from qq_kernel.scheduler import SKIPPED, Job, run_locked

log = logging.getLogger("ledger_api.flags")

VISITED = (*OPEN_STATUSES, "void")
JOB_NAME = "ledger.flags.evaluate"  # also the advisory lock cron and the replicas share


async def evaluate_all(
    session_factory: async_sessionmaker[AsyncSession],
    today: date | None = None,
    *,
    region_path: str | None = None,
    chunk_size: int = 5000,
    kinds: tuple[str, ...] = ALL_KINDS,
    detail: dict | None = None,
) -> dict[str, int]:
    """Evaluate every item that is not written off (optionally only within a region subtree): the
    open ones, and the void ones in case one still carries a flag (cheap: no rule holds for them).
    A written-off item needs no visit: its write-off evaluated it, and what it keeps (conduct
    flags) no longer depends on the day.

    Returns counts: ``evaluated`` items examined, ``raised``, ``cleared``, ``skipped`` (items that
    needed a change but were locked by a user's change), ``chunks``. When ``detail`` is a dict it
    receives per kind: ``holding`` (conditions found true), ``raised``, ``cleared``."""
    today = today or china_today()
    counts = {"evaluated": 0, "raised": 0, "cleared": 0, "skipped": 0, "chunks": 0}
    per_kind = {k: {"holding": 0, "raised": 0, "cleared": 0} for k in kinds}
    diff = text(rules.diff_sql(kinds, VISITED))
    boundary = text(
        f"SELECT i.id FROM {rules.T['item']} i WHERE i.id > :lo"
        " AND (CAST(:region AS varchar) IS NULL OR starts_with(i.region_path, CAST(:region AS varchar)))"
        " ORDER BY i.id OFFSET :skip LIMIT 1"
    )
    lo = ""
    while True:
        async with session_factory() as session:
            # The chunk is (lo, hi]: chunk_size ids of the primary key (any status), hi NULL for the last one.
            hi = await session.scalar(boundary, {"lo": lo, "region": region_path, "skip": chunk_size - 1})
            rows = (await session.execute(diff, {"lo": lo, "hi": hi, "region": region_path, "today": today})).all()
            changed = [item_id for item_id, _, _ in rows if item_id is not None]
            for item_id, kind, n in rows:
                if item_id is None and kind is not None:
                    per_kind[kind]["holding"] += n
                elif item_id is None:
                    counts["evaluated"] += n
            counts["chunks"] += 1
            if changed:
                locked = list(
                    await session.scalars(
                        select(ArrearsItem.id)
                        .where(ArrearsItem.id.in_(changed))
                        .with_for_update(skip_locked=True, key_share=True)
                    )
                )
                counts["skipped"] += len(changed) - len(locked)
                found = await sync_flags(session, locked, today, kinds)
                for op in ("raised", "cleared"):
                    for _, kind in getattr(found, op):
                        per_kind[kind][op] += 1
                    counts[op] += len(getattr(found, op))
            await session.commit()
        if hi is None:
            break
        lo = hi
    if detail is not None:
        detail.update(per_kind)
    log.info("red flags evaluated", extra={"today": today.isoformat(), **counts})
    return counts


async def run(today: date | None = None, *, region_path: str | None = None) -> dict[str, int]:
    """Evaluate with the service's own settings (``LEDGER_DATABASE_URL``, the runtime role)."""
    from ledger_api.config import Settings
    from qq_kernel.db import create_engine, create_session_factory

    settings = Settings()
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=1)
    try:
        # The same advisory lock as the service's own job: cron and the replicas never overlap.
        result = await run_locked(
            engine, JOB_NAME, lambda: evaluate_all(create_session_factory(engine), today, region_path=region_path)
        )
        return {"skipped_run": 1} if result is SKIPPED else result
    finally:
        await engine.dispose()


async def _evaluate_in_service(app) -> dict[str, int]:
    return await evaluate_all(app.state.session_factory)


# Time-based red flags (a week without update, an installment falling due) appear without anyone
# touching the item: re-evaluate every hour, so a new day's flags show within the hour (idempotent;
# item changes evaluate themselves at once). Set-based, a run over a province's million items takes
# about a minute and writes nothing when nothing changed (bench/README.md, "Red-flag job").
FLAGS_JOB = Job(JOB_NAME, 3600, _evaluate_in_service, first_delay_seconds=300)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the ledger's red flags (预警)")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="the day to evaluate (default today)")
    parser.add_argument("--region", default=None, help="only a region subtree, e.g. /99/9901/")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.date, region_path=args.region))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
