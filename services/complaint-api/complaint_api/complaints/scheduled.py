"""Recomputation of provisional deadlines (issue 10, "the calendar"): a deadline counted into a
year nobody had loaded is provisional; once operators load that year (in ledger-api; this
process sees it within a minute), every open complaint carrying a provisional deadline is
recomputed, and a changed deadline is an entry in its timeline and the audit trail.

The job (``complaint.deadlines.recompute``) runs every minute under the scheduler's advisory
lock (one replica at a time). It only reads the partial index of provisional complaints and does
nothing when the loaded years did not change since its last run; a complaint a user holds at
that moment is skipped (SKIP LOCKED) and taken next round.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from complaint_api.complaints import deadlines
from complaint_api.complaints.deadlines import DeadlineRules
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.service import record_event, snapshot
from complaint_api.complaints.states import OPEN_STATES
from qq_kernel.workdays import WorkCalendar

log = logging.getLogger("complaint_api.deadlines")
JOB_NAME = "complaint.deadlines.recompute"
BATCH = 500


async def recompute_provisional(
    session_factory: async_sessionmaker[AsyncSession], calendar: WorkCalendar, rules: DeadlineRules
) -> dict[str, int]:
    """Recompute every open complaint's provisional deadlines on ``calendar``. Returns counts."""
    seen = changed = 0
    last_id = ""
    while True:
        async with session_factory() as session:
            complaints = list(
                await session.scalars(
                    select(Complaint)
                    .where(
                        or_(Complaint.transfer_due_provisional, Complaint.result_due_provisional),
                        Complaint.status.in_([s.value for s in OPEN_STATES]),
                        Complaint.id > last_id,
                    )
                    .order_by(Complaint.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            if not complaints:
                break
            for complaint in complaints:
                seen += 1
                last_id = complaint.id
                before = snapshot(complaint)
                changes = deadlines.refresh(complaint, calendar, rules)
                if not changes:
                    continue
                changed += 1
                await session.flush()
                await record_event(
                    session,
                    None,
                    complaint,
                    kind="deadline_recomputed",
                    principal=None,
                    before=before,
                    note="节假日安排已录入，期限重新计算",
                    data={"deadlines": {k: [_iso(a), _iso(b)] for k, (a, b) in changes.items()}},
                    from_status=complaint.status,
                )
            await session.commit()
    return {"provisional": seen, "recomputed": changed}


def _iso(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


async def run(app: FastAPI) -> dict[str, int]:
    source = app.state.calendar_source
    calendar = await source.calendar()
    if getattr(app.state, "recomputed_for", None) == source.loaded_years:
        return {"provisional": 0, "recomputed": 0}
    result = await recompute_provisional(
        app.state.session_factory, calendar, DeadlineRules.from_settings(app.state.settings)
    )
    app.state.recomputed_for = source.loaded_years
    log.info("provisional deadlines recomputed", extra=result)
    return result
