"""``qqctl backup`` and ``qqctl restore``: every service's schema (evidence files included: they are
stored in ledger-api's ``evidence_blob`` table) in one consistent dump, with a manifest of row
counts and SHA-256 checksums per table.

Consistency: one REPEATABLE READ transaction exports its snapshot; ``pg_dump --snapshot`` dumps
exactly that snapshot while the same transaction counts and hashes every table, so the manifest
describes the dump, not the moment after it. Writers are never blocked: the platform keeps running.

Restore recreates each schema inside ONE transaction (``psql --single-transaction``): the schemas
are dropped and recreated with the privileges qqctl/provision.py gives them, then each service's
objects are restored *as its owner role* (``--no-owner --no-acl`` + ``SET ROLE``), so the runtime
role's rights come from the default privileges exactly as after the migrations, and a backup can be
restored under another database name. Then the manifest is checked against the restored tables.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from qqctl.provision import ProvisionError, provision, role_names, schema_sql, with_credentials_of_admin
from qqctl.services import SERVICES

FORMAT = 1
DUMP_NAME = "dump.pgdump"
MANIFEST_NAME = "manifest.json"
SCHEMAS = tuple(spec.key for spec in SERVICES)
# The text form of a row must not depend on the session: hashes are compared across servers.
_STABLE_TEXT = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
    "SET bytea_output = 'hex'; SET extra_float_digits = 1"
)


class BackupError(ProvisionError):
    pass


# -- PostgreSQL client programs ------------------------------------------------------------------


@dataclass(frozen=True)
class PgTools:
    bindir: Path
    major: int
    version: str

    def __getitem__(self, program: str) -> str:
        return str(self.bindir / program)


def _candidate_bindirs() -> list[Path]:
    dirs = []
    if env := os.environ.get("QQ_PG_BINDIR"):
        dirs.append(Path(env))
    from qqctl import embedded

    dirs.append(embedded.bin_dir())
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)  # noqa: S603
        if out.returncode == 0:
            dirs.append(Path(out.stdout.strip()))
    return dirs


def _tools_in(bindir: Path) -> PgTools | None:
    if not all((bindir / p).is_file() for p in ("pg_dump", "pg_restore", "psql")):
        return None
    out = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, arguments we build
        [str(bindir / "pg_dump"), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"(\d+)(\.\d+)?", out.stdout)
    if out.returncode != 0 or not match:
        return None
    return PgTools(bindir, int(match.group(1)), match.group(0))


# pg_dump could write, and psql/pg_restore would run, psql meta-commands hidden in object names
# (CVE-2025-8714); the releases that fixed it wrap the script in \restrict. Older tools are refused.
RESTRICT_FIXED = {17: 6, 16: 10, 15: 14, 14: 19, 13: 22}


def _program_version(program: str) -> tuple[int, int]:
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"(\d+)(?:\.(\d+))?", out.stdout)
    if out.returncode != 0 or not match:
        raise BackupError(f"{program} --version failed: {out.stderr.strip() or out.stdout.strip()}")
    return int(match.group(1)), int(match.group(2) or 0)


def check_restore_tools(tools: PgTools) -> None:
    """Refuse pg_restore/psql older than the CVE-2025-8714 fix (17.6, 16.10, 15.14, 14.19, 13.22)."""
    for program in ("pg_restore", "psql"):
        major, minor = _program_version(tools[program])
        fixed = RESTRICT_FIXED.get(major)
        if major < min(RESTRICT_FIXED) or (fixed is not None and minor < fixed):
            needed = f"{major}.{fixed}" if fixed is not None else "13.22"
            raise BackupError(
                f"{tools[program]} is version {major}.{minor}, which lacks the fix for CVE-2025-8714 "
                f"(psql meta-commands smuggled into a dump); install {needed} or newer "
                "(postgresql-client of that version) or point QQ_PG_BINDIR at one"
            )


def choose_tools(server_major: int, *, at_least: int = 0) -> PgTools:
    """pg_dump refuses a server newer than itself, and the SQL a newer pg_dump/pg_restore writes may
    use settings an older server lacks (17's ``transaction_timeout``). So: the server's own major
    version when installed (the embedded wheel's programs for the embedded server, Debian's
    postgresql-client-15 for a PostgreSQL 15 server), else the closest newer one; never older than
    the server, nor (restore) older than the pg_dump that wrote the archive."""
    found: dict[int, PgTools] = {}
    for bindir in _candidate_bindirs():
        if tools := _tools_in(bindir):
            found.setdefault(tools.major, tools)  # QQ_PG_BINDIR first, then the wheel's
    usable = sorted(m for m in found if m >= max(server_major, at_least))
    if not usable:
        raise BackupError(
            f"no pg_dump/pg_restore/psql of version {max(server_major, at_least)} or newer: install "
            f"postgresql-client-{max(server_major, at_least)} or point QQ_PG_BINDIR at its bin directory"
        )
    return found[server_major] if server_major in usable else found[usable[0]]


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (which goes to PGPASSWORD, out of the process list)."""
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        netloc = f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts), env


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


# -- manifest ------------------------------------------------------------------------------------


async def table_digests(conn: asyncpg.Connection) -> dict[str, dict]:
    """Row count and SHA-256 of every table of the service schemas, rows in a fixed order (their
    text form, byte order), inside the caller's transaction."""
    await conn.execute(_STABLE_TEXT)
    tables = await conn.fetch(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2",
        list(SCHEMAS),
    )
    out = {}
    for t in tables:
        digest, rows = hashlib.sha256(), 0
        query = f'SELECT r::text FROM "{t["schemaname"]}"."{t["tablename"]}" AS r ORDER BY r::text COLLATE "C"'
        async for record in conn.cursor(query, prefetch=500):
            digest.update(record[0].encode() + b"\0")
            rows += 1
        out[f"{t['schemaname']}.{t['tablename']}"] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


async def _revisions(conn: asyncpg.Connection) -> dict[str, str | None]:
    out = {}
    for schema in SCHEMAS:
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{schema}".alembic_version')
        out[schema] = await conn.fetchval(f'SELECT version_num FROM "{schema}".alembic_version') if exists else None
    return out


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- backup --------------------------------------------------------------------------------------


async def _dump(admin_url: str, database: str, workdir: Path) -> dict:
    db_url = with_credentials_of_admin(admin_url, database)
    conn = await asyncpg.connect(_dsn(db_url))
    try:
        server_version = await conn.fetchval("SHOW server_version")
        tools = choose_tools(int(await conn.fetchval("SHOW server_version_num")) // 10000)
        tx = conn.transaction(isolation="repeatable_read", readonly=True)
        await tx.start()
        try:
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            url, env = _libpq(db_url)
            dump = await asyncio.create_subprocess_exec(
                tools["pg_dump"],
                "--format=custom",
                f"--snapshot={snapshot}",
                *(f"--schema={s}" for s in SCHEMAS),
                f"--file={workdir / DUMP_NAME}",
                f"--dbname={url}",
                env=env,
                stderr=subprocess.PIPE,
            )
            # pg_dump has the snapshot once it runs; hash the same snapshot meanwhile.
            tables = await table_digests(conn)
            revisions = await _revisions(conn)
            _, err = await dump.communicate()
            if dump.returncode != 0:
                raise BackupError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
        finally:
            await tx.rollback()
    finally:
        await conn.close()
    dump_file = workdir / DUMP_NAME
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "schemas": list(SCHEMAS),
        "server_version": server_version,
        "pg_dump": tools.version,
        "migrations": revisions,
        "dump": {"file": DUMP_NAME, "bytes": dump_file.stat().st_size, "sha256": _sha256_file(dump_file)},
        "tables": tables,
    }
    (workdir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def backup(admin_url: str, database: str, out: Path) -> dict:
    """Write the backup to ``out``: a single file when it ends in ``.tar``, else a new directory
    (``dump.pgdump`` + ``manifest.json``). Written beside ``out`` first, renamed when complete, so
    a copy job never picks up half a backup."""
    out = out.resolve()
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new name")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".qqctl-backup-", dir=out.parent) as tmp:
        work = Path(tmp) / "backup"
        work.mkdir()
        manifest = asyncio.run(_dump(admin_url, database, work))
        if out.suffix == ".tar":
            partial = Path(tmp) / "backup.tar"
            with tarfile.open(partial, "w") as tar:
                tar.add(work / MANIFEST_NAME, arcname=MANIFEST_NAME)
                tar.add(work / DUMP_NAME, arcname=DUMP_NAME)
            partial.chmod(0o600)
            partial.replace(out)
        else:
            work.chmod(0o700)
            work.replace(out)
    return manifest


# -- restore -------------------------------------------------------------------------------------


def read_manifest(source: Path, into: Path) -> tuple[dict, Path]:
    """The manifest and the dump of a backup (a directory or a .tar, unpacked into ``into``),
    the dump's checksum verified."""
    if source.is_dir():
        folder = source
    else:
        # Only our two members, by name, written by us: nothing else in the archive is unpacked.
        with tarfile.open(source) as tar:
            for name in (MANIFEST_NAME, DUMP_NAME):
                member = tar.extractfile(tar.getmember(name))
                if member is None:
                    raise BackupError(f"{source}: {name} is not a file")
                with member, (into / name).open("wb") as out:
                    shutil.copyfileobj(member, out)
        folder = into
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}")
    # The dump's name is fixed; a manifest naming another file (``../../etc/…``, an absolute path)
    # would make restore read whatever it points at.
    if manifest["dump"].get("file") != DUMP_NAME:
        raise BackupError(f"{source}: the manifest names dump file {manifest['dump'].get('file')!r}, not {DUMP_NAME}")
    dump = folder / DUMP_NAME
    if _sha256_file(dump) != manifest["dump"]["sha256"]:
        raise BackupError(f"{source}: the dump's SHA-256 differs from the manifest; the copy is damaged")
    return manifest, dump


async def _live_tables(db_url: str) -> int:
    conn = await asyncpg.connect(_dsn(db_url))
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = ANY($1::text[])", list(SCHEMAS))
    finally:
        await conn.close()


async def _server_major(admin_url: str) -> int:
    conn = await asyncpg.connect(_dsn(admin_url))
    try:
        return int(await conn.fetchval("SHOW server_version_num")) // 10000
    finally:
        await conn.close()


async def _verify(db_url: str) -> dict[str, dict]:
    conn = await asyncpg.connect(_dsn(db_url))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return await table_digests(conn)
    finally:
        await conn.close()


def _schema_list(tools: PgTools, dump: Path, schema: str, folder: Path) -> Path:
    """pg_restore's table of contents for one schema, without the schema itself (provision's SQL
    creates it, with its privileges, before the objects are restored into it)."""
    toc = subprocess.run(  # noqa: S603
        [tools["pg_restore"], "--list", f"--schema={schema}", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    kept = [line for line in toc.splitlines() if not re.match(r"^\d+; \d+ \d+ SCHEMA ", line)]
    path = folder / f"{schema}.list"
    path.write_text("\n".join(kept) + "\n")
    return path


def restore(source: Path, admin_url: str, database: str, *, secrets_file: Path | None, replace: bool) -> dict:
    """Restore ``source`` into ``database`` (created with its roles when missing). Refuses when the
    database already holds service tables, unless ``replace``. Returns the verified manifest."""
    with tempfile.TemporaryDirectory(prefix="qqctl-restore-") as tmp:
        folder = Path(tmp)
        manifest, dump = read_manifest(source, folder)
        server_major = _server_major_sync(admin_url)
        source_major = int(manifest["server_version"].split(".")[0])
        if server_major < source_major:
            raise BackupError(
                f"the backup comes from PostgreSQL {manifest['server_version']}; restore it into a server of "
                f"version {source_major} or newer (this one is {server_major})"
            )
        tools = choose_tools(server_major, at_least=int(manifest["pg_dump"].split(".")[0]))
        check_restore_tools(tools)
        asyncio.run(provision(admin_url, database, secrets_file=secrets_file))
        db_url = with_credentials_of_admin(admin_url, database)
        live = asyncio.run(_live_tables(db_url))
        if live and not replace:
            raise BackupError(
                f"database {database} already holds {live} service tables; restoring would overwrite them. "
                "Stop the platform and run again with --replace to do that"
            )
        _load(tools, dump, db_url, database, folder, source)
        restored = asyncio.run(_verify(db_url))
    differ = sorted(
        name for name in set(restored) | set(manifest["tables"]) if restored.get(name) != manifest["tables"].get(name)
    )
    if differ:
        raise BackupError(f"restored, but these tables differ from the manifest: {', '.join(differ)}")
    return manifest


def _load(tools: PgTools, dump: Path, db_url: str, database: str, folder: Path, source: Path) -> None:
    """One psql session, one transaction: drop and recreate the schemas, then each service's
    objects and rows as its owner role. Any error rolls everything back."""
    url, env = _libpq(db_url)
    errors = folder / "psql.err"
    with errors.open("wb") as err_out:
        psql = subprocess.Popen(  # noqa: S603
            [tools["psql"], "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", f"--dbname={url}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err_out,
            env=env,
        )
    assert psql.stdin is not None
    try:
        for schema in SCHEMAS:
            psql.stdin.write(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;\n{schema_sql(database, schema)}\n'.encode())
        for schema in SCHEMAS:
            owner = role_names(database, schema)[1]
            psql.stdin.write(f'SET ROLE "{owner}";\n'.encode())
            psql.stdin.flush()
            part = subprocess.Popen(  # noqa: S603
                [
                    tools["pg_restore"],
                    "--no-owner",
                    "--no-acl",
                    f"--use-list={_schema_list(tools, dump, schema, folder)}",
                    "--file=-",
                    str(dump),
                ],
                stdout=subprocess.PIPE,
            )
            assert part.stdout is not None
            shutil.copyfileobj(part.stdout, psql.stdin)
            if part.wait() != 0:
                psql.kill()
                raise BackupError(f"pg_restore could not read the {schema} part of {source}; nothing was changed")
            psql.stdin.write(b"\nRESET ROLE;\n")
        psql.stdin.close()
    except BrokenPipeError:
        pass  # psql stopped at an error; its message follows
    if psql.wait() != 0:
        message = errors.read_text(errors="replace").strip()
        raise BackupError(f"restore failed, nothing was changed: {message}")


def _server_major_sync(admin_url: str) -> int:
    return asyncio.run(_server_major(admin_url))


def summary(manifest: dict, seconds: float) -> dict:
    return {
        "database": manifest["database"],
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "dump_bytes": manifest["dump"]["bytes"],
        "migrations": manifest["migrations"],
        "seconds": round(seconds, 2),
    }
