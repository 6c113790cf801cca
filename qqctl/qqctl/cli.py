"""``qqctl``: run, migrate and describe the platform.

    qqctl run        all-in-one: database (embedded unless DATABASE_URL), migrations, the three
                     services and the SPA on http://127.0.0.1:8000
    qqctl migrate    provision the database and roles, apply every service's migrations
    qqctl contracts  write contracts/*.openapi.json (``--check``: fail when they differ)
    qqctl nginx-config  render deploy/nginx/qingqian.conf.template for split mode
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from qq_kernel import migrations
from qq_kernel.logging import configure_logging

from qqctl import contracts, nginx
from qqctl.provision import ServiceDatabase, provision
from qqctl.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("qqctl")


@dataclass
class Platform:
    admin_url: str
    databases: dict[str, ServiceDatabase]
    service_secret: str
    embedded: object | None = None


def data_dir() -> Path:
    return Path(os.environ.get("QQ_DATA_DIR", ROOT / ".data"))


def _service_secret(path: Path) -> str:
    if env := os.environ.get("QQ_SERVICE_SECRET"):
        return env
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)
    path.chmod(0o600)
    return value


def prepare(database: str | None = None) -> Platform:
    """Database server (embedded unless DATABASE_URL), provisioning and migrations."""
    data = data_dir()
    embedded_server = None
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        from qqctl import embedded

        embedded_server = embedded.start(data / "pg")
        admin_url = embedded.admin_url(embedded_server)
    database = database or os.environ.get("QQ_DATABASE_NAME", "qingqian")
    dbs = asyncio.run(provision(admin_url, database, secrets_file=data / "db-roles.json"))
    for spec in SERVICES:
        migrations.upgrade(spec.migrations_dir, dbs[spec.key].owner_url, spec.key)
        log.info("migrated", extra={"service": spec.name})
    return Platform(admin_url, dbs, _service_secret(data / "service-secret"), embedded_server)


def build_allinone(platform: Platform, *, gateway_url: str, spa_dir: Path | None):
    from qqctl.allinone import Gateway

    apps = {}
    for spec in SERVICES:
        db = platform.databases[spec.key]
        settings = spec.settings_cls(
            database_url=db.runtime_url,
            migration_database_url=db.owner_url,
            gateway_url=gateway_url,
            service_secret=platform.service_secret,
        )
        apps[spec.prefix] = spec.create_app(settings)
    return Gateway(apps, spa_dir)


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    platform = prepare()
    url = f"http://{args.host}:{args.port}"
    app = build_allinone(platform, gateway_url=url, spa_dir=ROOT / "frontend" / "dist")
    banner = [
        "",
        "清欠平台已启动 / the platform is running",
        f"  登录地址 / log in at:  {url}/",
        f"  API:                   {url}/api/ledger/docs  {url}/api/complaints/docs  {url}/api/notify/docs",
        f"  数据 / data:            {'embedded PostgreSQL in ' + str(data_dir() / 'pg') if platform.embedded else 'DATABASE_URL'}",
        "",
    ]
    print("\n".join(banner), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, proxy_headers=False)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    prepare()
    print("migrations applied for: " + ", ".join(s.name for s in SERVICES))
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.check:
        drift = contracts.check(out)
        for name in drift:
            print(f"contract drift: {name} differs from the code; run `make contracts` and commit", file=sys.stderr)
        return 1 if drift else 0
    for name in contracts.write(out):
        print(f"wrote {name}")
    return 0


def cmd_nginx_config(args: argparse.Namespace) -> int:
    text = nginx.render(
        listen=args.listen,
        upstreams={"ledger": args.ledger, "complaint": args.complaint, "notify": args.notify},
        spa_root=Path(args.spa).resolve(),
        prefix_dir=Path(args.prefix).resolve(),
    )
    Path(args.out).write_text(text)
    print(json.dumps({"written": args.out}))
    return 0


def main(argv: list[str] | None = None) -> int:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    parser = argparse.ArgumentParser(prog="qqctl", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="all-in-one mode")
    run.add_argument("--host", default=os.environ.get("QQ_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("QQ_PORT", "8000")))
    run.set_defaults(func=cmd_run)

    sub.add_parser("migrate", help="provision and migrate").set_defaults(func=cmd_migrate)

    con = sub.add_parser("contracts", help="export OpenAPI contracts")
    con.add_argument("--out", default=str(ROOT / "contracts"))
    con.add_argument("--check", action="store_true")
    con.set_defaults(func=cmd_contracts)

    ngx = sub.add_parser("nginx-config", help="render the split-mode gateway config")
    ngx.add_argument("--listen", type=int, default=8080)
    ngx.add_argument("--ledger", required=True, help="host:port[,host:port...] of ledger-api replicas")
    ngx.add_argument("--complaint", required=True)
    ngx.add_argument("--notify", required=True)
    ngx.add_argument("--spa", default=str(ROOT / "frontend" / "dist"))
    ngx.add_argument("--prefix", default=str(ROOT / ".data" / "nginx"))
    ngx.add_argument("--out", required=True)
    ngx.set_defaults(func=cmd_nginx_config)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
