"""`qqctl backup` while the platform runs, the data wiped, `qqctl restore`: the same rows (counts
and SHA-256 per table, evidence files included) and the same ledger totals; with the embedded
PostgreSQL and through DATABASE_URL on a PostgreSQL server."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import tarfile

import asyncpg
import pytest

from qqctl.provision import drop, role_names
from tests.ops import runner
from tests.support import dbserver

pytestmark = pytest.mark.slow
# Tests that copy the demo county share one worker, so it is loaded once.
DEMO_GROUP = pytest.mark.xdist_group("ops-demo")


def manifest_of(backup) -> dict:
    if backup.is_dir():
        return json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    with tarfile.open(backup) as tar:
        return json.load(tar.extractfile("manifest.json"))


def ok(result) -> dict:
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@DEMO_GROUP
def test_backup_while_running_wipe_restore_embedded(demo_county, workdir):
    data = demo_county.copy_to(workdir / "data")
    pgdata = (data / "pg").resolve()
    running = runner.start(data)
    totals = runner.totals(running.url, demo_county.password)
    postmaster = runner.postmasters(pgdata)

    backup = workdir / "copied-away" / "county.tar"
    written = ok(runner.qqctl(["backup", "--out", str(backup)], data))
    assert written["written"] == str(backup)
    assert runner.postmasters(pgdata) == postmaster, "the backup leaves the running platform's PostgreSQL up"
    assert runner.totals(running.url, demo_county.password) == totals
    manifest = manifest_of(backup)
    assert manifest["tables"]["ledger.evidence_blob"]["rows"] > 0, "evidence files are in the backup"
    assert running.signal(signal.SIGTERM) == 0

    shutil.rmtree(data)
    ok(runner.qqctl(["restore", str(backup)], data))
    refused = runner.qqctl(["restore", str(backup)], data)
    assert refused.returncode == 2
    assert "--replace" in refused.stderr

    again = workdir / "after-restore"
    ok(runner.qqctl(["backup", "--out", str(again)], data))
    assert manifest_of(again)["tables"] == manifest["tables"]
    assert runner.postmasters(pgdata) == [], "backup and restore stop the PostgreSQL they started"

    restored = runner.start(data)
    assert runner.totals(restored.url, demo_county.password) == totals
    assert restored.signal(signal.SIGTERM) == 0


async def _privileges(url: str, role: str) -> tuple[bool, bool]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT has_table_privilege($1, 'ledger.arrears_item', 'UPDATE') AS upd,"
            " has_table_privilege($1, 'ledger.arrears_item', 'DELETE') AS del",
            role,
        )
        return row["upd"], row["del"]
    finally:
        await conn.close()


def test_backup_wipe_restore_through_database_url(admin_url, workdir):
    admin = admin_url
    name = dbserver.unique_name()
    env = {"DATABASE_URL": admin, "QQ_DATABASE_NAME": name}
    data = workdir / "data"
    try:
        running = runner.start(data, demo=True, **env)
        password = runner.demo_password(data)
        totals = runner.totals(running.url, password)
        backup = workdir / "nightly"
        ok(runner.qqctl(["backup", "--out", str(backup)], data, **env))
        assert runner.totals(running.url, password) == totals
        manifest = manifest_of(backup)
        assert manifest["database"] == name
        assert manifest["tables"]["ledger.evidence_blob"]["rows"] > 0
        assert running.signal(signal.SIGTERM) == 0

        asyncio.run(drop(admin, name))
        ok(runner.qqctl(["restore", str(backup)], data, **env))
        again = workdir / "after-restore.tar"
        ok(runner.qqctl(["backup", "--out", str(again)], data, **env))
        assert manifest_of(again)["tables"] == manifest["tables"]
        # The runtime role's rights come back from the schema's default privileges: no DELETE.
        runtime = role_names(name, "ledger")[0]
        assert asyncio.run(_privileges(runner.with_database(admin, name), runtime)) == (True, False)

        restored = runner.start(data, **env)
        assert runner.totals(restored.url, password) == totals
        assert restored.signal(signal.SIGTERM) == 0
    finally:
        asyncio.run(drop(admin, name))
