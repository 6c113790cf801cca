"""Scheduled jobs: run in the background, one replica at a time (advisory lock), failures retried."""

from __future__ import annotations

import asyncio

from qq_kernel.scheduler import SKIPPED, Job, run_once, scheduler_hooks


async def test_a_job_runs_once_at_a_time_across_replicas(gateway):
    app = dict(gateway.services)["/api/ledger"]
    started, release = asyncio.Event(), asyncio.Event()
    runs = []

    async def slow(app_):
        runs.append("run")
        started.set()
        await release.wait()
        return "ok"

    job = Job("test.exclusive", 3600, slow)
    first = asyncio.create_task(run_once(app, job))
    await started.wait()
    # A second replica in the same round: skipped, the lock is held.
    assert await run_once(app, job) is SKIPPED
    release.set()
    assert await first == "ok"
    assert runs == ["run"]

    async def after(app_):
        return "ran again"

    # The lock was released: the next round runs.
    assert await run_once(app, Job("test.exclusive", 3600, after)) == "ran again"


async def test_background_loop_runs_and_survives_failures(gateway, monkeypatch):
    app = dict(gateway.services)["/api/ledger"]
    calls = []

    async def flaky(app_):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")
        return len(calls)

    start, stop = scheduler_hooks(Job("test.flaky", 0.01, flaky, first_delay_seconds=0))
    monkeypatch.setattr(app.state.settings, "scheduled_jobs", True)
    await start(app)
    for _ in range(200):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.01)
    await stop(app)
    assert len(calls) >= 3, "a failed run is logged and the job runs again"
