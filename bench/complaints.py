"""Complaint benchmark (issue 10): platform intake through the gateway with an API token, repeats
included (target ≥ 300 complaints/s), and the workbench queue on 300,000 complaints with 16
clients (target p95 < 100 ms), next to the same SQL run directly.

Builds on a ledger data set of ``bench.generate`` (its organisation, log-in accounts and
databases):

    .venv/bin/python -m bench.generate --items 20000 --creditors 6000 --debtors 1000 --database qqbench_small
    .venv/bin/python -m bench.complaints --database qqbench_small --complaints 300000   # adds the complaints
    .venv/bin/python -m bench.complaints --database qqbench_small --skip-generate --seconds 20

1. ``generate``: COPY ``--complaints`` complaints into complaint-api's schema (as its owner),
   over the data set's member units (the busiest units get the most), in every state, with
   running deadlines around the data set's date; ANALYZE.
2. split mode: one replica of each service behind nginx (qqctl.nginx), every service reaching
   the others through the gateway;
3. ``intake``: ``--concurrency`` clients POST /api/complaints/intake with an API token of scope
   complaints:intake; ``--repeat-share`` of the posts repeat an id already sent (answered 200);
4. ``queue``: the same number of clients replay a mix of workbench queries through the gateway
   (a unit's queue by deadline as its operator; the office's region queue, overdue filter, intake
   queue by arrival, second pages by cursor);
5. ``direct``: each queue query as the two statements the endpoint runs (page, capped count),
   built with complaint_api.complaints.queue exactly as the router builds them, over asyncpg.

Writes bench/results/complaints-<timestamp>.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from bench.measure import KeepAliveClient, Run, claims_of, drive, upgrade_all
from complaint_api.complaints import queue
from complaint_api.complaints.models import Complaint
from complaint_api.complaints.states import RESULT_STATES, TRANSFER_STATES, State
from qq_kernel.auth.jwt import principal_from_claims
from qq_kernel.auth.principal import Principal
from qq_kernel.db import SERVER_SETTINGS
from qq_kernel.pagination import COUNT_CAP
from qq_kernel.uscc import random_uscc
from qqctl import nginx
from qqctl.credentials import PlatformCredentials
from qqctl.services import SERVICES
from tests.support import procs

RESULTS = Path(__file__).resolve().parent / "results"
STATUS_WEIGHTS = {
    "received": 4,
    "accepted": 4,
    "not_accepted": 3,
    "assigned": 8,
    "returned": 1,
    "handling": 30,
    "replied": 8,
    "revisited": 4,
    "dissatisfied": 1,
    "under_review": 1,
    "closed": 36,
}
COLUMNS = (
    "id complaint_no region_path source complainant_name complainant_uscc complainant_size contact_person "
    "contact_phone respondent_name respondent_kind amount contract_name procurement_type facts request "
    "pledge_no_other_proceedings status received_at received_on registered_by accepted_on not_accepted_reason "
    "handling_unit_id assigned_on transfer_due transfer_due_provisional result_due result_due_provisional "
    "result_period_start extension_days next_due next_due_provisional urge_count supervision_count reopen_count "
    "created_at updated_at version"
).split()


# ---------------------------------------------------------------- data


async def generate(state: dict, n: int, seed: int) -> None:
    rng = random.Random(seed)
    as_of = date.fromisoformat(state["as_of"])
    units = state["member_unit_ids"]
    weights = [1 / (i + 1) for i in range(len(units))]  # the busiest units first, as in the ledger set
    region = state["province_path"]
    registrar = state["login"]["office_admin"]["user_id"]
    statuses, status_w = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    conn = await asyncpg.connect(state["databases"]["complaint"]["owner_url"])
    try:
        existing = await conn.fetchval("SELECT count(*) FROM complaint.complaint WHERE source = 'phone'")
        if existing:
            print(f"{existing:,} generated complaints are there already; keeping them")
            return
        started = time.perf_counter()
        usccs = [random_uscc(rng) for _ in range(2000)]
        batch = []
        for i in range(n):
            status = rng.choices(statuses, status_w)[0]
            received = as_of - timedelta(days=rng.randrange(0, 400))
            accepted = received + timedelta(days=rng.randrange(0, 5)) if status not in ("received",) else None
            assigned_states = {"assigned", "handling", "replied", "revisited", "dissatisfied", "under_review", "closed"}
            unit = rng.choices(units, weights)[0] if status in assigned_states else None
            assigned = accepted + timedelta(days=rng.randrange(1, 10)) if unit and accepted else None
            transfer_due = accepted + timedelta(days=14) if accepted else None
            result_due = assigned + timedelta(days=30) if assigned else None
            st = State(status)
            next_due = transfer_due if st in TRANSFER_STATES else result_due if st in RESULT_STATES else None
            if st in RESULT_STATES:  # running deadlines around the data set's date, some overdue
                result_due = next_due = as_of + timedelta(days=rng.randrange(-15, 45))
            if st in TRANSFER_STATES:
                transfer_due = next_due = as_of + timedelta(days=rng.randrange(-5, 20))
            at = datetime.combine(received, datetime.min.time(), tzinfo=UTC) + timedelta(seconds=rng.randrange(86400))
            batch.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128))),
                    f"TB-{received.year}-{i:08d}",
                    region,
                    "phone",
                    f"基准测试企业{i % 5000:04d}有限公司",
                    rng.choice(usccs),
                    "small",
                    "王建华",
                    f"139{rng.randrange(10**8):08d}",
                    f"基准测试被投诉单位{i % 700:03d}",
                    "government_agency",
                    Decimal(rng.randrange(100_000, 50_000_000)) / 100,
                    "基准测试合同",
                    "services",
                    "基准测试事实与理由",
                    "请求支付",
                    True,
                    status,
                    at,
                    received,
                    registrar,
                    accepted,
                    "in_other_proceedings" if status == "not_accepted" else None,
                    unit,
                    assigned,
                    transfer_due,
                    False,
                    result_due,
                    False,
                    assigned,
                    0,
                    next_due,
                    False,
                    0,
                    0,
                    0,
                    at,
                    at,
                    1,
                )
            )
            if len(batch) == 20_000:
                await conn.copy_records_to_table("complaint", records=batch, columns=COLUMNS, schema_name="complaint")
                batch = []
        if batch:
            await conn.copy_records_to_table("complaint", records=batch, columns=COLUMNS, schema_name="complaint")
        await conn.execute("ANALYZE complaint.complaint")
        print(f"{n:,} complaints in {time.perf_counter() - started:.1f}s")
    finally:
        await conn.close()


# ---------------------------------------------------------------- split mode


@dataclass
class Split:
    base: str
    started: list[subprocess.Popen]
    pids: list[int]


def start_split(state: dict, work: Path) -> Split:
    """One replica per service behind nginx; each service calls the others through the gateway."""
    credentials = PlatformCredentials.generate()
    listen = procs.free_port()
    base = f"http://127.0.0.1:{listen}"
    started: list[subprocess.Popen] = []
    upstreams: dict[str, str] = {}
    try:
        for spec in SERVICES:
            port = procs.free_port()
            db = state["databases"][spec.key]
            env = {
                f"{spec.env_prefix}DATABASE_URL": db["runtime_url"],
                f"{spec.env_prefix}MIGRATION_DATABASE_URL": db["owner_url"],
                **credentials.env_for(spec),
                f"{spec.env_prefix}ENVIRONMENT": "production",
                f"{spec.env_prefix}TRUST_PROXY_HEADERS": "true",
                f"{spec.env_prefix}GATEWAY_URL": base,
                f"{spec.env_prefix}SCHEDULED_JOBS": "false",
            }
            proc = procs.start_uvicorn(spec.factory_path, port, env, work / f"{spec.key}.log")
            started.append(proc)
            procs.wait_http(f"http://127.0.0.1:{port}{spec.prefix}/readyz", proc=proc, timeout=60)
            upstreams[spec.key] = f"127.0.0.1:{port}"
        spa = work / "spa"
        spa.mkdir(exist_ok=True)
        (spa / "index.html").write_text("<!doctype html><title>清欠</title>", encoding="utf-8")
        conf = work / "nginx.conf"
        conf.write_text(nginx.render(listen=listen, upstreams=upstreams, spa_root=spa, prefix_dir=work / "nginx"))
        binary = procs.nginx_binary()
        gateway = subprocess.Popen([binary, "-c", str(conf), "-p", str(work / "nginx"), "-g", "daemon off;"])  # noqa: S603
        started.append(gateway)
        procs.wait_http(f"{base}/api/complaints/healthz", proc=gateway)
        return Split(base, started, [p.pid for p in started])
    except BaseException:
        procs.stop(started)
        raise


# ---------------------------------------------------------------- intake


def intake_body(rng: random.Random, platform_id: str) -> dict:
    return {
        "platform_complaint_id": platform_id,
        "complainant": {
            "name": "基准测试推送企业有限公司",
            "uscc": random_uscc(rng),
            "size": "small",
            "contact_person": "李明",
            "contact_phone": "13812345678",
        },
        "respondent": {"name": "基准测试交通局", "kind": "government_agency"},
        "amount": f"{rng.randrange(1000, 10_000_000)}.00",
        "contract": {"name": "基准测试服务合同"},
        "procurement_type": "services",
        "facts": "服务已完成并验收，款项逾期未付。",
        "request": "请求督促支付。",
        "pledge_no_other_proceedings": True,
    }


async def run_intake(base: str, token: str, args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    sent: list[dict] = []
    counts = {"201": 0, "200": 0}
    tag = datetime.now(UTC).strftime("%H%M%S")
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        serial = iter(range(10**9))

        async def one(_: object) -> None:
            if sent and rng.random() < args.repeat_share:
                body = rng.choice(sent)
            else:
                body = intake_body(rng, f"BENCH-{tag}-{next(serial):09d}")
                sent.append(body)
            r = await client.post("/api/complaints/intake", json=body)
            if r.status_code not in (200, 201):
                raise RuntimeError(f"HTTP {r.status_code} {r.text[:200]}")
            counts[str(r.status_code)] += 1

        post = [QueueReq("intake", "platform", ())]
        if args.warmup:
            await drive(Run("intake-warmup"), post, args.concurrency, args.warmup, one)
        counts.update({"201": 0, "200": 0})
        run = Run("intake")
        await drive(run, post, args.concurrency, args.seconds, one)
    out = run.summary()
    out["answers"] = counts
    return out


# ---------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueReq:
    shape: str
    who: str  # "office" | "unit"
    params: tuple

    def query(self) -> dict:
        return dict(self.params)


def queue_mix(unit_id: str) -> list[QueueReq]:
    return [
        QueueReq("unit by deadline", "unit", (("sort", "due"),)),
        QueueReq("unit handling", "unit", (("sort", "due"), ("status", "handling"))),
        QueueReq("office by deadline", "office", (("sort", "due"),)),
        QueueReq("office overdue", "office", (("sort", "due"), ("overdue", "true"))),
        QueueReq("office intake queue", "office", (("sort", "received"), ("status", "received"))),
        QueueReq("office one unit", "office", (("sort", "due"), ("unit_id", unit_id))),
    ]


def compile_queue(principal: Principal, req: QueueReq, as_of: date, cursor: str | None = None) -> tuple:
    """(page sql, args, count sql, args): the statements list_complaints runs."""
    q = req.query()
    filtered = queue.queue_query(
        principal,
        sort=q.get("sort", "due"),
        statuses=[q["status"]] if "status" in q else None,
        unit_id=q.get("unit_id"),
        due_before=as_of - timedelta(days=1) if q.get("overdue") else None,
        provisional=None,
    )
    page = queue.page_query(filtered, sort=q.get("sort", "due"), cursor=cursor, limit=20)
    from sqlalchemy import func, select

    count = select(func.count()).select_from(
        filtered.with_only_columns(Complaint.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    )
    dialect = asyncpg_dialect()
    out = []
    for stmt in (page, count):
        st = stmt.compile(dialect=dialect).construct_expanded_state()
        out += [st.statement, [st.parameters[name] for name in st.positiontup]]
    return tuple(out)


async def login(client: httpx.AsyncClient, who: dict) -> str:
    r = await client.post(
        "/api/ledger/auth/token",
        data={"grant_type": "password", "username": who["username"], "password": who["password"]},
    )
    r.raise_for_status()
    return r.json()["access_token"]


async def main(args: argparse.Namespace) -> int:
    state_file = RESULTS / f"{args.database}.json"
    if not state_file.exists():
        print(f"no data set: run `python -m bench.generate --database {args.database}` first", file=sys.stderr)
        return 2
    state = json.loads(state_file.read_text())
    await asyncio.to_thread(upgrade_all, state)
    if not args.skip_generate:
        await generate(state, args.complaints, args.seed)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = RESULTS / f"complaints-{stamp}"
    work.mkdir(parents=True)
    as_of = date.fromisoformat(state["as_of"])
    split = await asyncio.to_thread(start_split, state, work)
    results = []
    pool = await asyncpg.create_pool(
        state["databases"]["complaint"]["runtime_url"],
        min_size=args.concurrency,
        max_size=args.concurrency,
        server_settings={**SERVER_SETTINGS, "application_name": "qingqian-bench"},
    )
    try:
        async with httpx.AsyncClient(base_url=split.base, timeout=60) as c:
            office_token = await login(c, state["login"]["office_admin"])
            unit_token = await login(c, state["login"]["unit_operator"])
            r = await c.post(
                "/api/ledger/tokens",
                json={"name": f"bench-intake-{stamp}", "scopes": ["complaints:intake"], "expires_in_days": 1},
                headers={"Authorization": f"Bearer {office_token}"},
            )
            r.raise_for_status()
            api_token = r.json()["token"]
        if "intake" in args.modes:
            print("measuring intake …", flush=True)
            results.append(await run_intake(split.base, api_token, args))
        mix = queue_mix(state["login"]["unit_operator"]["unit_id"])
        principals = {
            "office": principal_from_claims(claims_of(office_token)),
            "unit": principal_from_claims(claims_of(unit_token)),
        }
        compiled = {req: compile_queue(principals[req.who], req, as_of) for req in mix}
        clients = {
            "office": KeepAliveClient(split.base, {"Authorization": f"Bearer {office_token}"}),
            "unit": KeepAliveClient(split.base, {"Authorization": f"Bearer {unit_token}"}),
        }

        async def gateway_one(req: QueueReq) -> None:
            status, body = await clients[req.who].get(f"/api/complaints/complaints?{urlencode(req.params)}")
            if status != 200:
                raise RuntimeError(f"HTTP {status} {body[:200].decode(errors='replace')}")

        async def direct_one(req: QueueReq) -> None:
            page_sql, page_args, count_sql, count_args = compiled[req]
            async with pool.acquire() as conn:
                await conn.fetch(page_sql, *page_args)
                await conn.fetchval(count_sql, *count_args)

        weighted = [req for req in mix for _ in range(3 if req.who == "unit" else 1)]
        for mode, one in (("queue-gateway", gateway_one), ("queue-direct", direct_one)):
            if "queue" not in args.modes:
                continue
            print(f"measuring {mode} …", flush=True)
            if args.warmup:
                await drive(Run(mode), weighted, args.concurrency, args.warmup, one)
            run = Run(mode)
            await drive(run, weighted, args.concurrency, args.seconds, one)
            results.append(run.summary())
        for client in clients.values():
            await client.aclose()
        async with pool.acquire() as conn:
            total = await conn.fetchval("SELECT count(*) FROM complaint.complaint")
    finally:
        await pool.close()
        procs.stop(split.started)
    print(f"\n{total:,} complaints; {args.concurrency} clients; {args.seconds:g}s per mode; {os.cpu_count()} CPUs")
    print(f"{'mode':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in results:
        print(f"{r['mode']:<16}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['errors']:>8}")
        for shape, s in r["by_shape"].items():
            print(f"  {shape:<28} p95 {s['p95_ms']} ms, {s['requests']} requests")
    targets = {}
    for r in results:
        if r["mode"] == "intake":
            targets["intake_at_least_300_per_s"] = r["rps"] >= 300
            print(f"intake answers: {r['answers']}")
        if r["mode"] == "queue-gateway":
            targets["queue_p95_under_100ms"] = r["p95_ms"] is not None and r["p95_ms"] < 100
    print("targets: " + json.dumps(targets))
    out = RESULTS / f"complaints-{stamp}.json"
    out.write_text(
        json.dumps(
            {"complaints": total, "config": vars(args), "results": results, "targets": targets},
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )
    print(f"summary: {out}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.complaints", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="qqbench")
    p.add_argument("--complaints", type=int, default=300_000)
    p.add_argument("--skip-generate", action="store_true")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--repeat-share", type=float, default=0.2, help="share of intake posts that repeat an id")
    p.add_argument("--modes", default="intake,queue", help="intake, queue (through the gateway and direct)")
    p.add_argument("--seed", type=int, default=10)
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
