"""Finding 4 of issue 9: audit integrity.

Every service's audit trail and ledger-api's login log are hash-chained (per service and table),
appends are serialised, the chain survives concurrent writers, the migration chains the rows
that were already there, and auditors get ``GET /api/<svc>/audit/verify`` and
``qqctl audit-verify`` naming the first broken link. The login log is append-only like the
audit trail. On the code before the fix: ``/audit/verify`` answered 404, the runtime role could
UPDATE ``login_event``, and the tampering tests had no chain to check (ImportError of
``verify_chain``).

The tampering tests use their own database: they break chains on purpose."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from qq_kernel import migrations
from qqctl.provision import drop, provision
from qqctl.services import SERVICES
from tests.support import dbserver
from tests.support.world import bearer, login

LEDGER = next(s for s in SERVICES if s.key == "ledger")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _verify(url: str, schema: str, table: str) -> dict:
    from qq_kernel.audit import verify_chain  # here, so the other tests run (and fail) on code without it
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.connect() as conn:
            return await verify_chain(conn, schema, table)
    finally:
        await engine.dispose()


@pytest.fixture
async def scratch(admin_url):
    """A platform database of its own, ledger migrated to the revision before the chain (ledger_0017)."""
    name = dbserver.unique_name()
    dbs = await provision(admin_url, name)
    try:
        yield name, dbs
    finally:
        await drop(admin_url, name)


async def _insert_audit(url: str, n: int, prefix: str = "probe") -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        for i in range(n):
            await conn.execute(
                "INSERT INTO ledger.audit_log (service, action, result, before, after)"
                " VALUES ('ledger', $1, 'success', $2, $3)",
                f"{prefix}.{i}",
                json.dumps({"amount": "12.50", "note": None}),
                json.dumps({"amount": f"{i}.00", "name": "张三"}),
            )
    finally:
        await conn.close()


async def test_migration_chains_existing_rows_and_tampering_is_located(scratch, admin_url):
    name, dbs = scratch
    ledger = dbs["ledger"]
    migrations.upgrade(LEDGER.migrations_dir, ledger.owner_url, "ledger", "ledger_0017")
    await _insert_audit(ledger.runtime_url, 3, "before_chain")
    conn = await asyncpg.connect(_dsn(ledger.runtime_url))
    try:
        await conn.execute(
            "INSERT INTO ledger.login_event (username, result, ip) VALUES ('zhangsan', 'bad_password', '10.0.0.1')"
        )
    finally:
        await conn.close()
    migrations.upgrade(LEDGER.migrations_dir, ledger.owner_url, "ledger")

    report = await _verify(ledger.runtime_url, "ledger", "audit_log")
    assert (report["rows"], report["intact"], report["head_seq"], report["first_broken"]) == (3, True, 3, None)
    logins = await _verify(ledger.runtime_url, "ledger", "login_event")
    assert (logins["rows"], logins["intact"], logins["head_seq"]) == (1, True, 1)

    # New rows continue the chain, in another session time zone too (hashes render UTC).
    conn = await asyncpg.connect(_dsn(ledger.runtime_url))
    try:
        await conn.execute("SET TimeZone = 'Asia/Shanghai'")
        await conn.execute(
            "INSERT INTO ledger.audit_log (service, action, result) VALUES ('ledger', 'after_chain', 'success')"
        )
        first = await conn.fetchrow("SELECT prev_hash FROM ledger.audit_log WHERE chain_seq = 1")
        assert first["prev_hash"] == "0" * 64
    finally:
        await conn.close()
    report = await _verify(ledger.runtime_url, "ledger", "audit_log")
    assert (report["rows"], report["intact"], report["head_seq"]) == (4, True, 4)

    # The schema owner drops the guard and edits row 2: the chain names row 2.
    owner = await asyncpg.connect(_dsn(ledger.owner_url))
    try:
        await owner.execute("ALTER TABLE ledger.audit_log DISABLE TRIGGER audit_log_append_only")
        await owner.execute('UPDATE ledger.audit_log SET after = \'{"amount": "0.00"}\' WHERE chain_seq = 2')
        report = await _verify(ledger.runtime_url, "ledger", "audit_log")
        assert (report["intact"], report["first_broken"]["chain_seq"], report["first_broken"]["reason"]) == (
            False,
            2,
            "row_changed",
        )
        # Recomputing row 2's hash moves the break to row 3, whose prev_hash no longer matches.
        await owner.execute("UPDATE ledger.audit_log t SET row_hash = ledger.audit_log_row_hash(t) WHERE chain_seq = 2")
        report = await _verify(ledger.runtime_url, "ledger", "audit_log")
        assert (report["first_broken"]["chain_seq"], report["first_broken"]["reason"]) == (3, "previous_row_changed")
        # Removing it: row 3 reports the rows missing before it.
        await owner.execute("DELETE FROM ledger.audit_log WHERE chain_seq = 2")
        report = await _verify(ledger.runtime_url, "ledger", "audit_log")
        assert (report["rows"], report["first_broken"]["chain_seq"], report["first_broken"]["reason"]) == (
            3,
            3,
            "rows_missing_before",
        )
        # A row slipped in with the chain trigger dropped is unchained.
        await owner.execute("ALTER TABLE ledger.login_event DISABLE TRIGGER login_event_chain")
        await owner.execute(
            "ALTER TABLE ledger.login_event ALTER COLUMN chain_seq DROP NOT NULL,"
            " ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN row_hash DROP NOT NULL"
        )
        await owner.execute("INSERT INTO ledger.login_event (username, result) VALUES ('forged', 'success')")
        logins = await _verify(ledger.runtime_url, "ledger", "login_event")
        assert (logins["intact"], logins["first_broken"]["reason"]) == (False, "unchained")
    finally:
        await owner.close()

    # qqctl audit-verify reports the same, and exits 1.
    env = {**os.environ, "DATABASE_URL": admin_url, "QQ_DATABASE_NAME": name}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "qqctl.cli", "audit-verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = {r["table"]: r for r in map(json.loads, done.stdout.splitlines())}
    # Only ledger-api is migrated in this database: the other schemas have no chain yet.
    assert sorted(lines) == ["ledger.audit_log", "ledger.login_event"]
    assert (
        lines["ledger.audit_log"]["first_broken"]["chain_seq"],
        lines["ledger.audit_log"]["first_broken"]["reason"],
    ) == (
        3,
        "rows_missing_before",
    )
    assert lines["ledger.login_event"]["first_broken"]["reason"] == "unchained"


async def test_login_log_is_append_only_for_the_runtime_role(platform_db):
    conn = await asyncpg.connect(_dsn(platform_db.databases["ledger"].runtime_url))
    try:
        await conn.execute("INSERT INTO ledger.login_event (username, result) VALUES ('probe_f4', 'unknown_user')")
        for statement in (
            "UPDATE ledger.login_event SET result = 'success' WHERE username = 'probe_f4'",
            "DELETE FROM ledger.login_event WHERE username = 'probe_f4'",
            "TRUNCATE ledger.login_event",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()
    owner = await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await owner.execute("UPDATE ledger.login_event SET result = 'success' WHERE username = 'probe_f4'")
    finally:
        await owner.close()


async def test_concurrent_writers_form_one_unbroken_chain(scratch):
    _, dbs = scratch
    ledger = dbs["ledger"]
    migrations.upgrade(LEDGER.migrations_dir, ledger.owner_url, "ledger")
    pool = await asyncpg.create_pool(_dsn(ledger.runtime_url), min_size=4, max_size=4)
    try:

        async def writer(w: int) -> None:
            for i in range(25):
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        "INSERT INTO ledger.audit_log (service, action, result) VALUES ('ledger', $1, 'success')",
                        f"w{w}.{i}",
                    )
                    # A second row in the same transaction, after a pause: the lock is held to commit.
                    await asyncio.sleep(0.001)
                    await conn.execute(
                        "INSERT INTO ledger.audit_log (service, action, result) VALUES ('ledger', $1, 'success')",
                        f"w{w}.{i}b",
                    )

        await asyncio.gather(*(writer(w) for w in range(4)))
        seqs = [r[0] for r in await pool.fetch("SELECT chain_seq FROM ledger.audit_log ORDER BY chain_seq")]
    finally:
        await pool.close()
    assert seqs == list(range(1, 201))
    report = await _verify(ledger.runtime_url, "ledger", "audit_log")
    assert (report["rows"], report["intact"], report["head_seq"]) == (200, True, 200)


async def test_auditor_verifies_every_chain_of_a_service(client, worlds, world):
    auditor = await worlds.user(world, roles=["auditor"])
    clerk = await worlds.user(world, roles=["clerk"])
    token = (await login(client, auditor.username, ip=world.client_ip))["access_token"]
    r = await client.get("/api/ledger/audit/verify", headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["table"] for c in body["chains"]] == ["ledger.audit_log", "ledger.login_event"]
    # The session's shared database: nothing edits its audit trail, so that chain is whole. Its
    # login log is aged on purpose by an identity test (guard lifted), so only its length is
    # checked here; tampering is located in test_migration_chains_existing_rows_and_tampering_is_located.
    trail, logins = body["chains"]
    assert (trail["intact"], trail["first_broken"], trail["head_seq"]) == (True, None, trail["rows"])
    assert logins["rows"] >= 1 and logins["head_seq"] == logins["rows"]  # the auditor's own login is in it
    r = await client.get("/api/complaints/audit/verify", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert [c["table"] for c in r.json()["chains"]] == ["complaint.audit_log"]
    # Not for everyone: a clerk holds no audit:read.
    clerk_token = (await login(client, clerk.username, ip=world.client_ip))["access_token"]
    r = await client.get("/api/ledger/audit/verify", headers=bearer(clerk_token))
    assert r.status_code == 403
