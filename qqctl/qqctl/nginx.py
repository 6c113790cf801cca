"""Renders deploy/nginx/qingqian.conf.template for split mode."""

from __future__ import annotations

import os
from pathlib import Path

from qqctl import headers

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "qingqian.conf.template"


def _servers(spec: str) -> str:
    addresses = [a.strip() for a in spec.split(",") if a.strip()]
    return " ".join(f"server {a} max_fails=3 fail_timeout=5s;" for a in addresses)


def _tls_lines(cert: Path, key: Path) -> str:
    return "\n".join(
        f"        {line}"
        for line in (
            f"ssl_certificate {cert};",
            f"ssl_certificate_key {key};",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_prefer_server_ciphers off;",
            "ssl_session_timeout 1d;",
            "ssl_session_cache shared:qq_tls:10m;",
            "ssl_session_tickets off;",
        )
    )


def _redirect_server(host: str, listen: int, https_port: int) -> str:
    target = "https://$host" + ("" if https_port == 443 else f":{https_port}") + "$request_uri"
    return (
        "    # Plain HTTP only sends browsers to HTTPS.\n"
        "    server {\n"
        f"        listen {host}:{listen};\n"
        f"        location / {{ return 301 {target}; }}\n"
        "    }\n"
    )


def render(
    *,
    listen: int,
    upstreams: dict[str, str],
    spa_root: Path,
    prefix_dir: Path,
    host: str = "127.0.0.1",
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    https_port: int = 443,
) -> str:
    """The config; with ``tls_cert`` and ``tls_key`` the gateway serves HTTPS on ``https_port``
    (with HSTS) and ``listen`` answers only a redirect to it."""
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("TLS needs both the certificate and its key")
    tls = tls_cert is not None
    prefix_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix_dir / sub).mkdir(exist_ok=True)
    values = {
        # As root (CI, containers) the workers run as root too so they can use the private prefix.
        "USER_LINE": "user root;" if os.geteuid() == 0 else "",
        "PREFIX": str(prefix_dir),
        "LISTEN_LINES": f"listen {host}:{https_port} ssl;" if tls else f"listen {host}:{listen};",
        "TLS_LINES": _tls_lines(tls_cert, tls_key) if tls else "",
        "HTTP_REDIRECT_SERVER": _redirect_server(host, listen, https_port) if tls else "",
        "SECURITY_HEADERS": headers.nginx_lines(tls=tls),
        "SECURITY_HEADERS_LOCATION": headers.nginx_lines(tls=tls, indent="            "),
        "SPA_ROOT": str(spa_root),
        "LEDGER_SERVERS": _servers(upstreams["ledger"]),
        "COMPLAINT_SERVERS": _servers(upstreams["complaint"]),
        "NOTIFY_SERVERS": _servers(upstreams["notify"]),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text
