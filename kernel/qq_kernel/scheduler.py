"""Scheduled jobs inside a service process: a background task per job, run every N seconds.

Several replicas may run the same job; a PostgreSQL advisory lock lets one replica at a time do
it, the others skip that round. Jobs must be idempotent (they are: red-flag evaluation,
escalations...). A failing run is logged and retried next round, never kills the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import text

log = logging.getLogger("qq.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[FastAPI], Awaitable[object]]
    first_delay_seconds: float = 30.0


async def _run_once(app: FastAPI, job: Job) -> None:
    async with app.state.engine.connect() as conn:
        locked = await conn.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": job.name})
        await conn.commit()
        if not locked:
            log.info("job skipped: another replica runs it", extra={"job": job.name})
            return
        try:
            result = await job.run(app)
            log.info("job done", extra={"job": job.name, "result": result})
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": job.name})
            await conn.commit()


async def _loop(app: FastAPI, job: Job) -> None:
    await asyncio.sleep(job.first_delay_seconds)
    while True:
        try:
            await _run_once(app, job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job failed", extra={"job": job.name})
        await asyncio.sleep(job.interval_seconds)


def scheduler_hooks(*jobs: Job) -> tuple[Callable[[FastAPI], Awaitable[None]], Callable[[FastAPI], Awaitable[None]]]:
    """(startup, shutdown) hooks for ``create_service_app``; nothing runs when the service's
    ``scheduled_jobs`` setting is off (tests call the jobs themselves)."""

    async def start(app: FastAPI) -> None:
        app.state.scheduled = []
        if app.state.settings.scheduled_jobs:
            app.state.scheduled = [asyncio.create_task(_loop(app, job), name=job.name) for job in jobs]

    async def stop(app: FastAPI) -> None:
        for task in app.state.scheduled:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start, stop
