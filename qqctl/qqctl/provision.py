"""Creates, idempotently, what the services need inside a PostgreSQL cluster: one database, and
per service a schema, an *owner* role (runs migrations) and a *runtime* role (DML on its own
schema only: SELECT, INSERT, UPDATE; no DELETE, no DDL; nothing else in the database).

Runs as an administrative role (the embedded server's superuser, or DATABASE_URL's user).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from qqctl.private import write_private
from qqctl.services import SERVICES

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class ServiceDatabase:
    runtime_url: str
    owner_url: str
    runtime_role: str
    owner_role: str


def role_names(database: str, key: str) -> tuple[str, str]:
    return f"{database}_{key}", f"{database}_{key}_owner"


def with_credentials(admin_url: str, *, user: str, password: str, database: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, parts.fragment))


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _save_passwords(path: Path, passwords: dict[str, str]) -> None:
    write_private(path, json.dumps(passwords, indent=2))


def _load_passwords(path: Path | None) -> dict[str, str]:
    if path and path.exists():
        return json.loads(path.read_text())
    return {}


class ProvisionError(RuntimeError):
    pass


async def provision(
    admin_url: str, database: str, *, secrets_file: Path | None = None, reset_passwords: bool = False
) -> dict[str, ServiceDatabase]:
    if not _IDENT.match(database):
        raise ValueError(f"database name {database!r} must be a lower-case identifier")
    passwords = _load_passwords(secrets_file)
    admin = await asyncpg.connect(_dsn(admin_url))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await admin.execute(f'CREATE DATABASE "{database}"')
        for spec in SERVICES:
            for role in role_names(database, spec.key):
                exists = await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
                if exists and role not in passwords and secrets_file is not None and not reset_passwords:
                    # Silently setting a new password would cut off every running replica.
                    raise ProvisionError(
                        f"role {role} exists but its password is not in {secrets_file}: restore that file, "
                        "or run with --reset-role-passwords and restart every service with the new URLs"
                    )
                password = passwords.setdefault(role, secrets.token_urlsafe(24))
                verb = "ALTER" if exists else "CREATE"
                await admin.execute(
                    f"{verb} ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'"
                )
    finally:
        await admin.close()

    target = await asyncpg.connect(_dsn(with_credentials_of_admin(admin_url, database)))
    try:
        all_roles = [r for spec in SERVICES for r in role_names(database, spec.key)]
        quoted = ", ".join(f'"{r}"' for r in all_roles)
        await target.execute(
            f"""
            REVOKE ALL ON DATABASE "{database}" FROM PUBLIC;
            GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {quoted};
            REVOKE ALL ON SCHEMA public FROM PUBLIC;
            CREATE SCHEMA IF NOT EXISTS extensions;
            CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
            GRANT USAGE ON SCHEMA extensions TO {quoted};
            """
        )
        for spec in SERVICES:
            await target.execute(schema_sql(database, spec.key))
    finally:
        await target.close()

    if secrets_file:
        _save_passwords(secrets_file, passwords)

    out = {}
    for spec in SERVICES:
        runtime, owner = role_names(database, spec.key)
        out[spec.key] = ServiceDatabase(
            runtime_url=with_credentials(admin_url, user=runtime, password=passwords[runtime], database=database),
            owner_url=with_credentials(admin_url, user=owner, password=passwords[owner], database=database),
            runtime_role=runtime,
            owner_role=owner,
        )
    return out


def schema_sql(database: str, key: str) -> str:
    """A service's schema, owned by its owner role, and what its runtime role may do there. The
    runtime role's rights come only from these default privileges, for tables the migrations
    create and for tables a restore recreates (qqctl/backup.py) alike."""
    runtime, owner = role_names(database, key)
    return f"""
        CREATE SCHEMA IF NOT EXISTS "{key}" AUTHORIZATION "{owner}";
        ALTER SCHEMA "{key}" OWNER TO "{owner}";
        GRANT USAGE ON SCHEMA "{key}" TO "{runtime}";
        ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{key}"
            GRANT SELECT, INSERT, UPDATE ON TABLES TO "{runtime}";
        ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{key}"
            GRANT USAGE, SELECT ON SEQUENCES TO "{runtime}";
        ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA "{key}"
            GRANT EXECUTE ON FUNCTIONS TO "{runtime}";
        ALTER ROLE "{runtime}" IN DATABASE "{database}" SET search_path = "{key}", extensions;
        -- The owner only runs migrations, which name their schema: its default schema stays
        -- public, so Alembic reflects the service schema by name (clean autogenerate).
        ALTER ROLE "{owner}" IN DATABASE "{database}" RESET search_path;
        """


def with_credentials_of_admin(admin_url: str, database: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def drop(admin_url: str, database: str) -> None:
    """Remove a database and its roles (tests clean up after themselves)."""
    admin = await asyncpg.connect(_dsn(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for spec in SERVICES:
            for role in role_names(database, spec.key):
                await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await admin.close()
