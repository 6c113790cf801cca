"""The all-in-one gateway as a real process (uvicorn on a free port) over this test session's own
database (tests/conftest.py creates and drops it): what the contract fuzzer and the gateway limit
tests talk to over real HTTP. Never pointed at a database with data that matters."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qqctl.services import SERVICES
from tests.support import procs

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def allinone_server(platform_db, workdir: Path) -> Iterator[str]:
    port = procs.free_port()
    env = {"LOG_LEVEL": "WARNING"}
    for spec in SERVICES:
        db = platform_db.databases[spec.key]
        env[f"{spec.env_prefix}DATABASE_URL"] = db.runtime_url
        env.update(platform_db.credentials.env_for(spec))
        env[f"{spec.env_prefix}GATEWAY_URL"] = f"http://127.0.0.1:{port}"
        env[f"{spec.env_prefix}ENVIRONMENT"] = "test"
        env[f"{spec.env_prefix}SCHEDULED_JOBS"] = "false"
        env[f"{spec.env_prefix}TRUST_PROXY_HEADERS"] = "true"
    log = workdir / "allinone.log"
    qqctl = Path(sys.executable).parent / "qqctl"
    proc = subprocess.Popen(
        [str(qqctl), "serve", "--port", str(port), "--spa", str(workdir / "no-spa")],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        procs.wait_http(f"http://127.0.0.1:{port}/api/ledger/readyz", proc=proc, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        procs.stop([proc])
