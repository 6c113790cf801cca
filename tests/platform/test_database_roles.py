"""Acceptance 2 of the foundation: each service's runtime role is confined to its own schema,
and every Alembic tree goes up, down to base and up again."""

from __future__ import annotations

import asyncpg
import pytest

from qq_kernel import migrations
from qqctl.provision import drop, provision
from qqctl.services import SERVICES
from tests.support import dbserver

KEYS = [s.key for s in SERVICES]


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.mark.parametrize("own", KEYS)
async def test_runtime_role_cannot_read_other_schemas(platform_db, own):
    conn = await asyncpg.connect(_dsn(platform_db.databases[own].runtime_url))
    try:
        # Its own schema is readable...
        await conn.fetchval(f'SELECT count(*) FROM "{own}".audit_log')
        for other in KEYS:
            if other == own:
                continue
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.fetchval(f'SELECT count(*) FROM "{other}".audit_log')
        # ...and it cannot create anything anywhere, not even in its own schema.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f'CREATE TABLE "{own}".sneaky (id int)')
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.sneaky (id int)")
    finally:
        await conn.close()


@pytest.mark.parametrize("own", KEYS)
async def test_runtime_role_cannot_edit_or_delete_audit_trail(platform_db, own):
    conn = await asyncpg.connect(_dsn(platform_db.databases[own].runtime_url))
    try:
        await conn.execute(
            f"INSERT INTO \"{own}\".audit_log (service, action, result) VALUES ('test', 'probe', 'success')"
        )
        for statement in (
            f"UPDATE \"{own}\".audit_log SET action = 'forged'",
            f'DELETE FROM "{own}".audit_log',
            f'TRUNCATE "{own}".audit_log',
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_owner_role_is_stopped_by_the_append_only_trigger(platform_db):
    conn = await asyncpg.connect(_dsn(platform_db.databases["ledger"].owner_url))
    try:
        await conn.execute("INSERT INTO ledger.audit_log (service, action, result) VALUES ('test', 'probe', 'success')")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("UPDATE ledger.audit_log SET action = 'forged'")
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade_each_service(admin_url):
    name = dbserver.unique_name()
    dbs = await provision(admin_url, name)
    try:
        for spec in SERVICES:
            url = dbs[spec.key].owner_url
            migrations.upgrade(spec.migrations_dir, url, spec.key)
            migrations.downgrade(spec.migrations_dir, url, spec.key, "base")
            conn = await asyncpg.connect(_dsn(url))
            try:
                left = await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'alembic_version'", spec.key
                )
            finally:
                await conn.close()
            assert left == [], f"{spec.name}: downgrade to base left {left}"
            migrations.upgrade(spec.migrations_dir, url, spec.key)
    finally:
        await drop(admin_url, name)


@pytest.mark.parametrize("spec", SERVICES, ids=[s.key for s in SERVICES])
async def test_models_and_migrations_agree(platform_db, spec):
    """A database brought to the head by the migrations is what the models describe: nothing for
    autogenerate to write (a migration written by hand cannot drift from its model)."""
    import importlib

    models = importlib.import_module(spec.factory_path.split(".")[0] + ".models")
    drift = await migrations.schema_drift(models.Base.metadata, platform_db.databases[spec.key].owner_url, spec.key)
    assert drift == [], drift
