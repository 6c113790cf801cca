"""``qqctl``: run, migrate and describe the platform.

qqctl run        all-in-one: database (embedded unless DATABASE_URL), migrations, the three
                 services and the SPA on http://127.0.0.1:8000
qqctl migrate    provision the database and roles, apply every service's migrations
qqctl backup     a consistent dump of every service's schema with a manifest (while it runs)
qqctl restore    a backup into an empty database (or, with --replace, over the present data)
qqctl contracts  write contracts/*.openapi.json (``--check``: fail when they differ)
qqctl audit-verify  walk the audit trails' and the login log's hash chains, report the first broken link
qqctl nginx-config  render deploy/nginx/qingqian.conf.template for split mode
qqctl credentials  each service's own credential as env lines (``--rotate``, ``--finish-rotation``)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from qq_kernel import migrations
from qq_kernel.logging import configure_logging
from qqctl import bootstrap, contracts, first_admin, nginx
from qqctl.credentials import PlatformCredentials
from qqctl.private import private_dir, write_private
from qqctl.provision import ProvisionError, ServiceDatabase, provision
from qqctl.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("qqctl")


@dataclass
class Platform:
    admin_url: str
    databases: dict[str, ServiceDatabase]
    credentials: PlatformCredentials
    embedded: object | None = None
    #: The framed first-administrator notice of this start (None when the admin already existed).
    first_admin: str | None = None


def data_dir() -> Path:
    return private_dir(Path(os.environ.get("QQ_DATA_DIR", ROOT / ".data")))


def database_name() -> str:
    return os.environ.get("QQ_DATABASE_NAME", "qingqian")


def database_server() -> tuple[str, object | None]:
    """The administrative URL of the server: DATABASE_URL, else the embedded one (started, or
    attached to when another qqctl process runs it)."""
    if admin_url := os.environ.get("DATABASE_URL"):
        return admin_url, None
    from qqctl import embedded

    server = embedded.start(data_dir() / "pg")
    return embedded.admin_url(server), server


def prepare(database: str | None = None, *, reset_role_passwords: bool = False, announce: bool = True) -> Platform:
    """Database server (embedded unless DATABASE_URL), provisioning and migrations. A new first
    administrator is announced at once, unless ``announce`` is false (`qqctl run` does it after start-up)."""
    data = data_dir()
    admin_url, embedded_server = database_server()
    database = database or database_name()
    dbs = asyncio.run(
        provision(admin_url, database, secrets_file=data / "db-roles.json", reset_passwords=reset_role_passwords)
    )
    for spec in SERVICES:
        migrations.upgrade(spec.migrations_dir, dbs[spec.key].owner_url, spec.key)
        log.info("migrated", extra={"service": spec.name})
    platform = Platform(admin_url, dbs, PlatformCredentials.load_or_create(data), embedded_server)
    boot = asyncio.run(bootstrap.first_start(dbs["ledger"].runtime_url, os.environ.get("QQ_REGION_TREE")))
    if boot.admin_password:
        text = first_admin.notice(boot.admin_username, boot.admin_password)
        saved = first_admin.save(data, text)
        platform.first_admin = first_admin.framed(f"{text}\n  另存于 / also in: {saved}")
        if announce:
            print(platform.first_admin, flush=True)
    return platform


def build_allinone(platform: Platform, *, gateway_url: str, spa_dir: Path | None, in_process: bool = False):
    """The all-in-one gateway. ``in_process``: the services call each other through it inside the
    process (for loading the demo before the server listens), not over ``gateway_url``."""
    from qqctl.allinone import Gateway, InProcessTransport

    transport = InProcessTransport() if in_process else None
    apps = {}
    for spec in SERVICES:
        db = platform.databases[spec.key]
        settings = spec.settings_cls(
            database_url=db.runtime_url,
            migration_database_url=db.owner_url,
            gateway_url=gateway_url,
            **platform.credentials.settings_for(spec),
        )
        apps[spec.prefix] = spec.create_app(settings, http_transport=transport)
    gateway = Gateway(apps, spa_dir)
    if transport is not None:
        transport.gateway = gateway
    return gateway


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from qqctl.allinone import GatewayHttpProtocol

    platform = prepare(announce=False)
    if args.demo:
        demo = asyncio.run(bootstrap.load_demo(platform.databases["ledger"].runtime_url))
        accounts = data_dir() / "demo-accounts.txt"
        if demo:
            usernames, password = demo
            write_private(
                accounts,
                "演示账号（密码相同，随机生成）/ demo accounts (one random password)\n"
                f"password: {password}\n" + "\n".join(usernames) + "\n",
            )
        if accounts.exists():
            print(accounts.read_text(encoding="utf-8"), flush=True)
    url = f"http://{args.host}:{args.port}"
    if args.demo and accounts.exists():
        from qqctl import demo as demo_ledger

        ledger_db = platform.databases["ledger"]
        if not asyncio.run(demo_ledger.loaded(ledger_db.runtime_url)):
            password = accounts.read_text(encoding="utf-8").splitlines()[1].removeprefix("password: ").strip()
            # Nothing listens on `url` yet: complaint-api reaches ledger-api inside the process.
            loader = build_allinone(platform, gateway_url=url, spa_dir=None, in_process=True)
            if asyncio.run(
                demo_ledger.load_into(
                    loader,
                    password=password,
                    complaint_secret=platform.credentials.client_secrets["complaint-api"],
                    ledger_owner_url=ledger_db.owner_url,
                    complaint_owner_url=platform.databases["complaint"].owner_url,
                )
            ):
                counts = asyncio.run(demo_ledger.evaluate_flags(ledger_db.runtime_url))
                asyncio.run(demo_ledger.take_snapshots(ledger_db.runtime_url))
                print(f"演示台账已载入 / demo ledger loaded (red flags raised: {counts['raised']})", flush=True)
    app = build_allinone(platform, gateway_url=url, spa_dir=ROOT / "frontend" / "dist")
    where = f"embedded PostgreSQL in {data_dir() / 'pg'}" if platform.embedded else "DATABASE_URL"
    banner = [
        "",
        "清欠平台已启动 / the platform is running",
        f"  登录地址 / log in at:  {url}/",
        f"  API:                   {url}/api/ledger/docs  {url}/api/complaints/docs  {url}/api/notify/docs",
        f"  数据 / data:            {where}",
        "",
    ]
    print("\n".join(banner), flush=True)
    # uvicorn re-raises SIGTERM once it has shut down; with this handler in place that becomes a
    # SystemExit, so the `finally` below still stops the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_config=None, proxy_headers=False, http=GatewayHttpProtocol
        )
        server = uvicorn.Server(config)
        if platform.first_admin:
            first_admin.announce_when_started(server, platform.first_admin)
        server.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn has shut down and re-raised SIGINT; a clean stop, not an error.
    finally:
        # uvicorn re-raises SIGTERM after its shutdown; stop the embedded server on the way out.
        if platform.embedded is not None:
            platform.embedded.cleanup()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """All-in-one process over databases that are already provisioned and migrated: each service
    reads its own settings from the environment (LEDGER_DATABASE_URL, ...). Used by the browser
    tests and by operators who provision separately."""
    import uvicorn

    from qqctl.allinone import Gateway, GatewayHttpProtocol

    apps = {spec.prefix: spec.create_app() for spec in SERVICES}
    spa = Path(args.spa) if args.spa else ROOT / "frontend" / "dist"
    uvicorn.run(Gateway(apps, spa), host=args.host, port=args.port, log_config=None, http=GatewayHttpProtocol)
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    platform = prepare()
    try:
        password = asyncio.run(
            bootstrap.create_admin(
                platform.databases["ledger"].runtime_url, username=args.username, roles=args.roles.split(",")
            )
        )
    except ValueError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 2
    print(f"administrator {args.username} created; one-time password (shown once): {password}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    prepare(reset_role_passwords=args.reset_role_passwords)
    print("migrations applied for: " + ", ".join(s.name for s in SERVICES))
    return 0


def cmd_credentials(args: argparse.Namespace) -> int:
    """Print each service's env lines (split mode). ``--rotate NAME`` makes a new secret for a
    service or the signing keys, the old one still accepted; ``--finish-rotation`` drops the old
    ones once every replica runs with the new values (deploy/README.md "Credentials")."""
    data = data_dir()
    creds = PlatformCredentials.load_or_create(data)
    if args.rotate:
        try:
            creds.rotate(args.rotate)
        except KeyError as exc:
            print(f"credentials: {exc.args[0]}", file=sys.stderr)
            return 2
        creds.save(data)
    if args.finish_rotation:
        creds.finish_rotation()
        creds.save(data)
    for spec in SERVICES:
        print(f"# /etc/qingqian/{spec.key}.env")
        for key, value in creds.env_for(spec).items():
            print(f"{key}={value}")
    return 0


def _with_server(fn):
    """Run ``fn(admin_url)`` against the database server; an embedded server this process had to
    start is stopped again afterwards (one that `qqctl run` uses stays up)."""
    admin_url, server = database_server()
    try:
        return fn(admin_url)
    finally:
        if server is not None:
            server.cleanup()


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from qqctl import backup

    database = database_name()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else data_dir() / "backups" / f"{database}-{stamp}.tar"
    started = time.monotonic()
    manifest = _with_server(lambda url: backup.backup(url, database, out))
    print(json.dumps({"written": str(out), **backup.summary(manifest, time.monotonic() - started)}))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from qqctl import backup

    source = Path(args.source)
    started = time.monotonic()
    manifest = _with_server(
        lambda url: backup.restore(
            source, url, database_name(), secrets_file=data_dir() / "db-roles.json", replace=args.replace
        )
    )
    print(json.dumps({"restored": str(source), **backup.summary(manifest, time.monotonic() - started)}))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Walk every service's hash-chained tables (audit trails, ledger-api's login log); exit 1
    at the first broken link. Print the heads: keep them elsewhere, a later run must still show
    the same rows under them."""
    from qqctl import auditchain

    reports = _with_server(lambda url: asyncio.run(auditchain.verify_all(url, database_name())))
    for report in reports:
        print(json.dumps(report, ensure_ascii=False))
    return 0 if all(r["intact"] for r in reports) else 1


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
        host=args.host,
        tls_cert=Path(args.tls_cert).resolve() if args.tls_cert else None,
        tls_key=Path(args.tls_key).resolve() if args.tls_key else None,
        https_port=args.https_port,
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
    run.add_argument("--demo", action="store_true", help="load the fictional county's demo data (once)")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="all-in-one over already migrated databases (settings from env)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--spa", default=None)
    serve.set_defaults(func=cmd_serve)

    admin = sub.add_parser("create-admin", help="create an administrator with a one-time password")
    admin.add_argument("--username", required=True)
    admin.add_argument("--roles", default="security_admin", help="comma-separated roles")
    admin.set_defaults(func=cmd_create_admin)

    mig = sub.add_parser("migrate", help="provision and migrate")
    mig.add_argument(
        "--reset-role-passwords",
        action="store_true",
        help="give service roles whose password is not in db-roles.json a new one (then restart every service)",
    )
    mig.set_defaults(func=cmd_migrate)

    cred = sub.add_parser("credentials", help="each service's own credential as env lines; rotation")
    cred.add_argument("--rotate", metavar="SERVICE", help="ledger-api, complaint-api, notify-api or signing-key")
    cred.add_argument("--finish-rotation", action="store_true", help="stop accepting the previous secrets")
    cred.set_defaults(func=cmd_credentials)

    bak = sub.add_parser("backup", help="consistent backup of every service's schema (while the platform runs)")
    bak.add_argument(
        "--out",
        default=None,
        help="a new directory, or a single file when it ends in .tar (default: QQ_DATA_DIR/backups/<db>-<time>.tar)",
    )
    bak.set_defaults(func=cmd_backup)

    res = sub.add_parser("restore", help="restore a backup (directory or .tar) and verify it against its manifest")
    res.add_argument("source")
    res.add_argument(
        "--replace",
        action="store_true",
        help="overwrite the data the database holds now (stop the platform first)",
    )
    res.set_defaults(func=cmd_restore)

    aud = sub.add_parser("audit-verify", help="verify the hash chains of the audit trails and the login log")
    aud.set_defaults(func=cmd_audit_verify)

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
    ngx.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for the network)")
    ngx.add_argument("--tls-cert", default=None, help="PEM certificate (chain): serve HTTPS, redirect --listen to it")
    ngx.add_argument("--tls-key", default=None, help="its private key (readable by the gateway user only)")
    ngx.add_argument("--https-port", type=int, default=443)
    ngx.add_argument("--out", required=True)
    ngx.set_defaults(func=cmd_nginx_config)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ProvisionError as exc:
        print(f"qqctl: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
