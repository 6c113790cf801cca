"""Which PostgreSQL the tests use: QQ_TEST_ADMIN_URL, else the server on 127.0.0.1:5432 when
it answers, else the embedded one under .data/test-pg. Each test session creates its own
uniquely named database and roles and drops them at the end."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
STALE_AFTER_SECONDS = 6 * 3600
_embedded = None


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def admin_url() -> str:
    global _embedded
    if url := os.environ.get("QQ_TEST_ADMIN_URL"):
        return url
    if asyncio.run(_answers(LOCAL_URL)):
        return LOCAL_URL
    if _embedded is None:
        from qqctl import embedded

        _embedded = embedded.start(ROOT / ".data" / "test-pg")
    return embedded_url()


def embedded_url() -> str:
    from qqctl import embedded

    return embedded.admin_url(_embedded)


def unique_name(tag: str = "qqt") -> str:
    return f"{tag}_{int(time.time())}_{secrets.token_hex(3)}"


async def drop_stale(url: str, tag: str = "qqt") -> None:
    """Drop test databases an interrupted earlier run left behind (older than six hours)."""
    from qqctl.provision import drop

    conn = await asyncpg.connect(url)
    try:
        names = [
            r["datname"]
            for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{tag}\\_%")
        ]
    finally:
        await conn.close()
    now = time.time()
    for name in names:
        parts = name.split("_")
        if len(parts) == 3 and parts[1].isdigit() and now - int(parts[1]) > STALE_AFTER_SECONDS:
            await drop(url, name)
