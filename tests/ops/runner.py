"""Operators' view of the all-in-one mode: `qqctl run` and friends as separate processes, each
with its own data directory (QQ_DATA_DIR), stopped and killed the way a server's life does it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil

from qqctl.backup import table_digests
from tests.support.procs import ROOT, free_port, wait_http

START_TIMEOUT = 180.0
started: list[subprocess.Popen] = []  # stopped by the `leftovers` fixture when a test fails midway


def qqctl_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QQ_DATABASE_NAME")}
    # Background jobs (red flags, outbox relays, the notification fan-out) would write between the
    # tests' snapshots; they are not what these tests test.
    jobs_off = {f"{prefix}_SCHEDULED_JOBS": "false" for prefix in ("LEDGER", "COMPLAINT", "NOTIFY")}
    env.update({"QQ_DATA_DIR": str(data), **jobs_off, "LOG_LEVEL": "INFO", **extra})
    return env


def qqctl(args: list[str], data: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qqctl.cli", *args],
        env=qqctl_env(data, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class Running:
    proc: subprocess.Popen
    url: str
    log: Path
    started_in: float

    def signal(self, sig: int) -> int:
        """Send ``sig``; returns the exit code (negative: killed by a signal)."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=90)


def start(data: Path, *, demo: bool = False, log_name: str = "run", **extra: str) -> Running:
    port = free_port()
    log = data.parent / f"{log_name}-{port}.log"
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qqctl.cli", "run", "--port", str(port), *(["--demo"] if demo else [])],
        env=qqctl_env(data, **extra),
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    started.append(proc)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/ledger/healthz", timeout=START_TIMEOUT, proc=proc)
    except (RuntimeError, TimeoutError) as exc:
        proc.kill()
        raise AssertionError(f"qqctl run did not come up: {exc}\n{log.read_text(errors='replace')[-4000:]}") from exc
    return Running(proc, url, log, time.monotonic() - began)


def demo_password(data: Path) -> str:
    return (data / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()[1].removeprefix("password: ").strip()


def totals(url: str, password: str) -> dict:
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.post("/api/ledger/auth/token", data={"username": "office01", "password": password})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        r = c.get("/api/ledger/items/totals", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return r.json()


# -- the embedded server, seen from outside ----------------------------------------------------


def postmaster_file(pgdata: Path) -> list[str]:
    return (pgdata / "postmaster.pid").read_text().splitlines()


def embedded_url(pgdata: Path, database: str = "qingqian") -> str:
    return f"postgresql://postgres@/{database}?host={postmaster_file(pgdata)[4]}"


def postmasters(pgdata: Path) -> list[int]:
    """Live (not zombie) postmaster processes serving ``pgdata``: the only ones with -D in their
    command line."""
    out = []
    for p in psutil.process_iter(["name", "cmdline", "status"]):
        if p.info["name"] == "postgres" and p.info["status"] != psutil.STATUS_ZOMBIE:
            if str(pgdata) in " ".join(p.info["cmdline"] or []):
                out.append(p.pid)
    return out


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still runs after {timeout}s")


def digests(url: str) -> dict[str, dict]:
    async def read() -> dict[str, dict]:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return await table_digests(conn)
        finally:
            await conn.close()

    return asyncio.run(read())


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)


def stop_leftovers(pgdatas: list[Path]) -> None:
    """After a failed test: stop what it left running (platform first, then its PostgreSQL)."""
    while started:
        proc = started.pop()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    for pgdata in pgdatas:
        for pid in postmasters(pgdata):
            os.kill(pid, signal.SIGINT)  # fast shutdown
            wait_gone(pid, timeout=60)


def with_database(admin_url: str, database: str) -> str:
    from qqctl.provision import with_credentials_of_admin

    return with_credentials_of_admin(admin_url, database)
