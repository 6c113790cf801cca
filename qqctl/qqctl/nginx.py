"""Renders deploy/nginx/qingqian.conf.template for split mode."""

from __future__ import annotations

import os
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "qingqian.conf.template"


def _servers(spec: str) -> str:
    addresses = [a.strip() for a in spec.split(",") if a.strip()]
    return " ".join(f"server {a} max_fails=3 fail_timeout=5s;" for a in addresses)


def render(*, listen: int, upstreams: dict[str, str], spa_root: Path, prefix_dir: Path) -> str:
    prefix_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix_dir / sub).mkdir(exist_ok=True)
    values = {
        # As root (CI, containers) the workers run as root too so they can use the private prefix.
        "USER_LINE": "user root;" if os.geteuid() == 0 else "",
        "PREFIX": str(prefix_dir),
        "LISTEN": str(listen),
        "SPA_ROOT": str(spa_root),
        "LEDGER_SERVERS": _servers(upstreams["ledger"]),
        "COMPLAINT_SERVERS": _servers(upstreams["complaint"]),
        "NOTIFY_SERVERS": _servers(upstreams["notify"]),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text
