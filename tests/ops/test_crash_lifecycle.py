"""A county's single server: `qqctl run` killed (OOM killer, power cut), then the embedded
PostgreSQL killed too; after each crash the next start serves the same data, and a clean stop
(SIGTERM, Ctrl-C) stops PostgreSQL with the platform, every time. Last, a postmaster.pid left by
a power cut whose pid another process has since taken."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from tests.ops import runner

pytestmark = pytest.mark.slow
# Tests that copy the demo county share one worker, so it is loaded once.
DEMO_GROUP = pytest.mark.xdist_group("ops-demo")


# Each start adds audit rows of its own (the services' tokens issued at start-up): the audit log
# may grow between rounds, never lose a row; every other table must be exactly as it was.
GROWS_AT_START = {"ledger.audit_log"}


def assert_kept(after: dict[str, dict], before: dict[str, dict]) -> None:
    assert {k: v for k, v in after.items() if k not in GROWS_AT_START} == {
        k: v for k, v in before.items() if k not in GROWS_AT_START
    }
    for table in GROWS_AT_START:
        assert after[table]["rows"] >= before[table]["rows"], table


@DEMO_GROUP
def test_clean_stop_after_crashes_stops_postgres_and_keeps_the_data(demo_county, workdir):
    data = demo_county.copy_to(workdir / "data")
    pgdata = (data / "pg").resolve()

    # Round 1: the platform is killed; its PostgreSQL is orphaned, still running.
    first = runner.start(data)
    totals = runner.totals(first.url, demo_county.password)
    assert set(totals["by_status"]) == {"open", "resolving", "claimed_cleared", "written_off", "void"}
    orphan = int(runner.postmaster_file(pgdata)[0])
    before = runner.digests(runner.embedded_url(pgdata))
    assert first.signal(signal.SIGKILL) == -signal.SIGKILL
    assert runner.postmasters(pgdata) == [orphan]

    # Round 2: the next start adopts it, with the data; then the platform and PostgreSQL are killed.
    second = runner.start(data)
    assert runner.postmasters(pgdata) == [orphan]
    assert_kept(runner.digests(runner.embedded_url(pgdata)), before)
    assert runner.totals(second.url, demo_county.password) == totals
    before = runner.digests(runner.embedded_url(pgdata))
    assert second.signal(signal.SIGKILL) == -signal.SIGKILL
    runner.kill(orphan)
    assert runner.postmasters(pgdata) == []

    # Round 3: PostgreSQL recovers from its crash, nothing committed is lost; SIGTERM stops both.
    third = runner.start(data)
    assert_kept(runner.digests(runner.embedded_url(pgdata)), before)
    assert runner.totals(third.url, demo_county.password) == totals
    before = runner.digests(runner.embedded_url(pgdata))
    assert third.signal(signal.SIGTERM) == 0
    assert runner.postmasters(pgdata) == []
    assert json.loads((data / "pg.handles.json").read_text()) == []

    # Round 4: a clean start (PostgreSQL was shut down, no recovery), and Ctrl-C stops both.
    log_seen = (pgdata / "log").stat().st_size
    fourth = runner.start(data)
    pid_file = runner.postmaster_file(pgdata)
    server_log = (pgdata / "log").read_bytes()[log_seen:].decode(errors="replace")
    assert "database system was shut down at" in server_log
    assert "not properly shut down" not in server_log
    assert_kept(runner.digests(runner.embedded_url(pgdata)), before)
    assert runner.totals(fourth.url, demo_county.password) == totals
    assert fourth.signal(signal.SIGINT) == 0
    assert runner.postmasters(pgdata) == []
    assert "embedded PostgreSQL stopped" in fourth.log.read_text(errors="replace")

    # Round 5: after a power cut postmaster.pid is left behind, and its pid may now belong to some
    # other process; the platform must not take that for a running PostgreSQL.
    stranger = subprocess.Popen(["sleep", "120"])
    try:
        (pgdata / "postmaster.pid").write_text("\n".join([str(stranger.pid), *pid_file[1:]]) + "\n")
        fifth = runner.start(data)
        assert "postmaster.pid names another process" in fifth.log.read_text(errors="replace")
        assert runner.totals(fifth.url, demo_county.password) == totals
        assert fifth.signal(signal.SIGTERM) == 0
        assert runner.postmasters(pgdata) == []
    finally:
        stranger.kill()
        stranger.wait()
