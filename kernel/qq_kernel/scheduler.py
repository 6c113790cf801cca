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
from typing import TypeVar

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("qq.scheduler")
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[FastAPI], Awaitable[object]]
    first_delay_seconds: float = 30.0


class Skipped:
    """What a locked run returns when another process holds the job's lock."""

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = Skipped()


async def run_locked(engine: AsyncEngine, name: str, run: Callable[[], Awaitable[T]]) -> T | Skipped:
    """Run ``run()`` holding the advisory lock ``name``, or return :data:`SKIPPED` when another
    process (a replica, a cron run of the same job) holds it."""
    async with engine.connect() as conn:
        locked = await conn.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name})
        await conn.commit()
        if not locked:
            log.info("job skipped: another process runs it", extra={"job": name})
            return SKIPPED
        try:
            return await run()
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
            await conn.commit()


async def run_once(app: FastAPI, job: Job) -> object:
    """One round of ``job`` in this replica: its result, or :data:`SKIPPED`."""
    result = await run_locked(app.state.engine, job.name, lambda: job.run(app))
    if result is not SKIPPED:
        log.info("job done", extra={"job": job.name, "result": result})
    return result


async def _loop(app: FastAPI, job: Job) -> None:
    await asyncio.sleep(job.first_delay_seconds)
    while True:
        try:
            await run_once(app, job)
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
