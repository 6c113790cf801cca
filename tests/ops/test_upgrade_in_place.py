"""Upgrading in place: a database left at the oldest schema the project supports (the first one
that held a ledger), with a county's data written as that schema had it, is brought to the head
by `qqctl migrate` (what a newer release's `qqctl run` does at its start), and the platform serves
the same data, including what later migrations derive from it (debtor type, name search)."""

from __future__ import annotations

import hashlib
import secrets
from contextlib import AsyncExitStack

import asyncpg
import httpx

from qq_kernel import migrations
from qqctl.allinone import Gateway
from qqctl.credentials import PlatformCredentials
from qqctl.provision import drop, provision
from qqctl.services import SERVICES
from tests import conftest
from tests.ops import runner
from tests.support import dbserver
from tests.support.world import WorldFactory, bearer, login

# Every service's first revision that a deployment may still run; the ledger's holds the ledger.
OLDEST_SUPPORTED = {"ledger": "ledger_0003", "complaint": "complaint_0001", "notify": "notify_0001"}
EVIDENCE = b"%PDF-1.4\n% receipt of an old release\n%%EOF\n"


async def _load_as_then(runtime_url: str, world, office_user) -> dict:
    """Rows as the ledger_0003 schema took them (no debtor_type, no court stage, no plans)."""
    tag = world.tag
    ids = {k: f"{k}-{tag}-{secrets.token_hex(4)}" for k in ("debtor", "creditor", "open", "resolving", "pay", "ev")}
    conn = await asyncpg.connect(runtime_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO ledger.debtor (id, name, uscc, type, supervising_unit_id, region_path, version)"
                " VALUES ($1, $2, $3, 'government_agency', $4, $5, 1)",
                ids["debtor"], f"旧版{tag}交通运输局", f"11{secrets.randbelow(10**16):016d}",
                world.unit_a.id, world.office.region_path,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO ledger.creditor (id, name, uscc, size, region_path, version)"
                " VALUES ($1, $2, $3, 'small', $4, 1)",
                ids["creditor"], f"旧版{tag}路桥养护有限公司", f"91{secrets.randbelow(10**16):016d}",
                world.office.region_path,
            )  # fmt: skip
            items = (("open", "1000.00", "0", "open"), ("resolving", "500.50", "200.00", "resolving"))
            for key, principal, repaid, status in items:
                await conn.execute(
                    "INSERT INTO ledger.arrears_item (id, ledger_no, region_path, debtor_id, creditor_id,"
                    " contract_name, procurement_type, principal, verified_repaid, adjustments_total, outstanding,"
                    " responsible_unit_id, disputed, status, source, version)"
                    " VALUES ($1, $2, $3, $4, $5, '道路养护合同', 'works', $6::numeric, $7::numeric, 0,"
                    " $6::numeric - $7::numeric, $8, false, $9, 'manual', 1)",
                    ids[key], f"OLD-{tag}-{key}", world.office.region_path, ids["debtor"], ids["creditor"],
                    principal, repaid, world.unit_a.id, status,
                )  # fmt: skip
            await conn.execute(
                "INSERT INTO ledger.repayment (id, item_id, paid_on, amount, method, status, reported_by,"
                " verified_by, verified_at, version)"
                " VALUES ($1, $2, DATE '2026-10-09', 200.00, 'bank_transfer', 'verified', $3, $3, now(), 1)",
                ids["pay"], ids["resolving"], office_user.id,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO ledger.evidence_file (id, item_id, repayment_id, purpose, filename, media_type, size,"
                " sha256, uploaded_by) VALUES ($1, $2, $3, 'receipt', '回单.pdf', 'application/pdf', $4, $5, $6)",
                ids["ev"], ids["resolving"], ids["pay"], len(EVIDENCE), hashlib.sha256(EVIDENCE).hexdigest(),
                office_user.id,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO ledger.evidence_blob (file_id, content) VALUES ($1, $2)", ids["ev"], EVIDENCE
            )
    finally:
        await conn.close()
    return ids


async def test_oldest_supported_schema_upgrades_with_its_data(admin_url, tmp_path):
    admin = admin_url
    name = dbserver.unique_name()
    data = tmp_path / "data"
    try:
        dbs = await provision(admin, name, secrets_file=data / "db-roles.json")
        for spec in SERVICES:
            migrations.upgrade(spec.migrations_dir, dbs[spec.key].owner_url, spec.key, OLDEST_SUPPORTED[spec.key])
        worlds = WorldFactory(dbs["ledger"].runtime_url)  # identity's tables are as they were at ledger_0002
        try:
            world = await worlds.create()
            office_user = await worlds.user(world, roles=["office_admin"], unit=world.office)
        finally:
            await worlds.close()
        ids = await _load_as_then(dbs["ledger"].runtime_url, world, office_user)

        upgraded = runner.qqctl(["migrate"], data, DATABASE_URL=admin, QQ_DATABASE_NAME=name)
        assert upgraded.returncode == 0, upgraded.stderr[-4000:]
        for spec in SERVICES:
            conn = await asyncpg.connect(runner.with_database(admin, name))
            try:
                current = await conn.fetchval(f'SELECT version_num FROM "{spec.key}".alembic_version')
            finally:
                await conn.close()
            assert {current} == migrations.head_revisions(spec.migrations_dir)

        platform = conftest.TestPlatform(admin, name, dbs, PlatformCredentials.generate())
        apps = {spec.prefix: spec.create_app(conftest.service_settings(platform, spec)) for spec in SERVICES}
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=Gateway(apps, spa_dir=None))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                for spec in SERVICES:
                    assert (await client.get(f"{spec.prefix}/readyz")).status_code == 200
                h = bearer((await login(client, office_user.username, ip=world.client_ip))["access_token"])
                totals = (await client.get("/api/ledger/items/totals", headers=h)).json()
                assert totals == {
                    "items": 2,
                    "principal": "1500.50",
                    "verified_repaid": "200.00",
                    "adjustments_total": "0.00",
                    "outstanding": "1300.50",
                    "by_status": {"open": 1, "resolving": 1},
                }
                found = (await client.get("/api/ledger/items", params={"q": "路桥养护"}, headers=h)).json()
                assert sorted(i["id"] for i in found["items"]) == sorted([ids["open"], ids["resolving"]])
                assert {i["debtor_type"] for i in found["items"]} == {"government_agency"}
                evidence = (await client.get(f"/api/ledger/items/{ids['resolving']}/evidence", headers=h)).json()
                assert [e["id"] for e in evidence] == [ids["ev"]]
                content = await client.get(
                    f"/api/ledger/items/{ids['resolving']}/evidence/{ids['ev']}/content", headers=h
                )
                assert content.content == EVIDENCE
    finally:
        await drop(admin, name)
