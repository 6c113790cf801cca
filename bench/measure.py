"""Load measurement of GET /api/ledger/items: through the split-mode gateway, and the same SQL
straight through asyncpg.

    .venv/bin/python -m bench.measure                  # 30 s per mode, 16 clients
    .venv/bin/python -m bench.measure --seconds 10 --database qqbench_small

Needs a data set made by ``bench.generate`` (it reads ``bench/results/<database>.json``).

1. starts split mode on free ports: two ledger-api uvicorn replicas, one complaint-api, one
   notify-api, nginx in front (deploy/nginx/qingqian.conf.template via qqctl.nginx);
2. logs in as the office_admin through the gateway;
3. ``gateway``: ``--concurrency`` clients (one httpx.AsyncClient with that many keep-alive
   connections) replay a fixed, seeded mix of list requests for ``--seconds``;
4. ``direct``: the same mix, each request as the two statements the endpoint runs (the page and
   its COUNT), built with ledger_api.ledger.listing.page_statement/count_statement exactly as the router builds them,
   compiled for asyncpg ($n parameters, prepared statements, as SQLAlchemy sends them), over a
   pool of ``--concurrency`` connections of the runtime role;
5. EXPLAIN (ANALYZE, BUFFERS) of one request per shape, with literal values.

Before measuring, a sample of requests is answered both ways and compared (same total, same ids
in the same order), so "direct" is known to be the endpoint's SQL.

Writes bench/results/<timestamp>.json (summary) and bench/results/<timestamp>/ (service logs,
nginx logs, the EXPLAIN output), prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from ledger_api.ledger import listing
from qq_kernel import migrations
from qq_kernel.auth.jwt import principal_from_claims
from qq_kernel.auth.principal import Principal
from qq_kernel.db import SERVER_SETTINGS
from qq_kernel.pagination import COUNT_CAP
from qq_kernel.vocabulary import DEBTOR_TYPES
from qqctl import nginx
from qqctl.credentials import PlatformCredentials
from qqctl.services import SERVICES
from tests.support import procs

RESULTS = Path(__file__).resolve().parent / "results"
PAGE_SIZE = 20
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the request mix


@dataclass(frozen=True)
class Req:
    shape: str
    filters: tuple[tuple[str, Any], ...]  # listing.ItemFilters fields (hashable)
    sort: str = "-created_at"
    page: int = 1

    def http_params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, value in self.filters:
            if isinstance(value, tuple):
                out.extend((key, v) for v in value)
            elif isinstance(value, bool):
                out.append((key, "true" if value else "false"))
            else:
                out.append((key, str(value)))
        return [*out, ("sort", self.sort), ("page", str(self.page)), ("page_size", str(PAGE_SIZE))]

    def kwargs(self) -> dict[str, Any]:
        return dict(self.filters)


Q_FRAGMENTS = ("教育", "建设", "鑫达", "信息技术", "城市建设投资", "人民医院", "物业")

# name, weight, maker(rng, unit_ids) -> Req. A landing page, the usual filter combinations of
# an office that supervises the whole province, name searches and some deep paging.
SHAPES: list[tuple[str, int, Callable[[random.Random, list[str]], Req]]] = [
    ("all", 14, lambda r, u: Req("all", ())),
    ("status", 12, lambda r, u: Req("status", (("status", ("open",)),), page=r.randint(1, 5))),
    (
        "status+type",
        10,
        lambda r, u: Req(
            "status+type",
            (("debtor_type", r.choice(list(DEBTOR_TYPES))), ("status", ("open", "resolving"))),
            page=r.randint(1, 3),
        ),
    ),
    ("unit", 14, lambda r, u: Req("unit", (("unit_id", r.choice(u)),), page=r.randint(1, 3))),
    ("unit+status", 8, lambda r, u: Req("unit+status", (("status", ("open",)), ("unit_id", r.choice(u))))),
    ("q=财政", 8, lambda r, u: Req("q=财政", (("q", "财政"),), page=r.randint(1, 2))),
    ("q=other", 6, lambda r, u: Req("q=other", (("q", r.choice(Q_FRAGMENTS)),))),
    ("deep page", 10, lambda r, u: Req("deep page", (), page=r.randint(50, 500))),
    ("disputed", 8, lambda r, u: Req("disputed", (("disputed", True),), sort="-outstanding", page=r.randint(1, 3))),
    ("overdue", 10, lambda r, u: Req("overdue", (("overdue", True), ("status", ("open",))))),
]


def request_mix(seed: int, unit_ids: list[str], n: int = 4000) -> list[Req]:
    rng = random.Random(f"{seed}:mix")
    names = [s[0] for s in SHAPES]
    makers = {s[0]: s[2] for s in SHAPES}
    weights = [s[1] for s in SHAPES]
    return [makers[name](rng, unit_ids) for name in rng.choices(names, weights, k=n)]


# ---------------------------------------------------------------- the SQL of a request


@dataclass
class Compiled:
    page_sql: str
    page_args: list
    count_sql: str
    count_args: list
    page_literal: str
    count_literal: str


def compile_request(principal: Principal, req: Req, *, few: bool = False) -> Compiled:
    """The two statements ``list_items`` executes, built the way the router builds them. ``few``:
    the count came back exact, which chooses the page statement of a search (the router counts
    first)."""
    offset = (req.page - 1) * PAGE_SIZE
    filters = listing.ItemFilters(**req.kwargs())
    page = listing.page_statement(principal, filters, req.sort, few=few)
    count = listing.count_statement(principal, filters)
    values = listing.list_params(principal, filters)
    values.update(page_limit=PAGE_SIZE, page_offset=offset, count_limit=COUNT_CAP + 1)
    page, count = page.params(values), count.params(values)  # the values the router passes at execution
    dialect = asyncpg_dialect()
    out = []
    for stmt in (page, count):
        state = stmt.compile(dialect=dialect).construct_expanded_state()  # the IN lists expanded, as at execution
        out += [state.statement, [state.parameters[name] for name in state.positiontup]]
    for stmt in (page, count):
        out.append(str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))
    return Compiled(*out)


# ---------------------------------------------------------------- statistics and CPU


@dataclass
class Run:
    mode: str
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    def record(self, shape: str, elapsed: float, error: str | None = None) -> None:
        if error is None:
            self.latencies[shape].append(elapsed)
        else:
            self.errors[shape] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{shape}: {error}")

    def summary(self) -> dict:
        every = [x for v in self.latencies.values() for x in v]
        out = {"mode": self.mode, "seconds": round(self.seconds, 2), **stats(every, self.seconds)}
        out["errors"] = sum(self.errors.values())
        out["error_samples"] = self.error_samples
        out["by_shape"] = {
            shape: {**stats(lat, self.seconds), "errors": self.errors.get(shape, 0)}
            for shape, lat in sorted(self.latencies.items())
        }
        n = out["requests"] or 1
        out["cpu_seconds"] = {k: round(v, 2) for k, v in self.cpu.items()}
        out["cpu_ms_per_request"] = {k: round(1000 * v / n, 3) for k, v in self.cpu.items()}
        return out


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def stats(latencies: list[float], seconds: float) -> dict:
    values = sorted(latencies)
    ms = [v * 1000 for v in values]
    return {
        "requests": len(values),
        "rps": round(len(values) / seconds, 1) if seconds else 0.0,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "p50_ms": round(pct(ms, 50), 2) if ms else None,
        "p95_ms": round(pct(ms, 95), 2) if ms else None,
        "p99_ms": round(pct(ms, 99), 2) if ms else None,
        "max_ms": round(ms[-1], 2) if ms else None,
    }


def proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class CpuMeter:
    """CPU seconds used during a phase by groups of processes (servers, database backends, us)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.start: dict[int, float] = {}
        self.self_start = 0.0

    def begin(self) -> None:
        self.start = {pid: proc_cpu(pid) or 0.0 for pids in self.groups.values() for pid in pids}
        ru = resource.getrusage(resource.RUSAGE_SELF)
        self.self_start = ru.ru_utime + ru.ru_stime

    def end(self) -> dict[str, float]:
        out = {}
        for name, pids in self.groups.items():
            total = 0.0
            for pid in pids:
                now = proc_cpu(pid)
                if now is not None and pid in self.start:
                    total += now - self.start[pid]
            out[name] = total
        ru = resource.getrusage(resource.RUSAGE_SELF)
        out["load generator (this process)"] = ru.ru_utime + ru.ru_stime - self.self_start
        return out


# ---------------------------------------------------------------- split mode


def upgrade_all(state: dict) -> None:
    for spec in SERVICES:
        migrations.upgrade(spec.migrations_dir, state["databases"][spec.key]["owner_url"], spec.key)


@dataclass
class SplitMode:
    base: str
    work: Path
    started: list[subprocess.Popen]
    ledger_pids: list[int]
    nginx_pids: list[int]


def start_split_mode(state: dict, work: Path, replicas: int) -> SplitMode:
    credentials = PlatformCredentials.generate()
    started: list[subprocess.Popen] = []
    upstreams: dict[str, str] = {}
    ledger_pids: list[int] = []
    try:
        for spec in SERVICES:
            addresses = []
            for n in range(replicas if spec.key == "ledger" else 1):
                port = procs.free_port()
                db = state["databases"][spec.key]
                env = {
                    f"{spec.env_prefix}DATABASE_URL": db["runtime_url"],
                    f"{spec.env_prefix}MIGRATION_DATABASE_URL": db["owner_url"],
                    **credentials.env_for(spec),
                    f"{spec.env_prefix}ENVIRONMENT": "production",
                    f"{spec.env_prefix}TRUST_PROXY_HEADERS": "true",
                }
                proc = procs.start_uvicorn(spec.factory_path, port, env, work / f"{spec.key}-{n}.log")
                started.append(proc)
                procs.wait_http(f"http://127.0.0.1:{port}{spec.prefix}/readyz", proc=proc, timeout=60)
                addresses.append(f"127.0.0.1:{port}")
                if spec.key == "ledger":
                    ledger_pids.append(proc.pid)
            upstreams[spec.key] = ",".join(addresses)
        listen = procs.free_port()
        spa = work / "spa"
        spa.mkdir(exist_ok=True)
        (spa / "index.html").write_text("<!doctype html><title>清欠</title>", encoding="utf-8")
        conf = work / "nginx.conf"
        conf.write_text(nginx.render(listen=listen, upstreams=upstreams, spa_root=spa, prefix_dir=work / "nginx"))
        binary = procs.nginx_binary()
        check = subprocess.run(  # noqa: S603 - our own nginx binary and config
            [binary, "-t", "-c", str(conf), "-p", str(work / "nginx")], capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(check.stderr)
        gateway = subprocess.Popen([binary, "-c", str(conf), "-p", str(work / "nginx"), "-g", "daemon off;"])  # noqa: S603
        started.append(gateway)
        base = f"http://127.0.0.1:{listen}"
        procs.wait_http(f"{base}/api/ledger/healthz", proc=gateway)
        time.sleep(0.3)
        return SplitMode(base, work, started, ledger_pids, [gateway.pid, *children_of(gateway.pid)])
    except BaseException:
        procs.stop(started)
        raise


# ---------------------------------------------------------------- load loops


async def drive(
    run: Run,
    mix: list[Req],
    concurrency: int,
    seconds: float,
    one: Callable[[Req], Awaitable[None]],
    offset: int = 0,
) -> None:
    """``concurrency`` workers take the next request of the mix until the time is up."""
    counter = itertools.count(offset)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            req = mix[next(counter) % len(mix)]
            started = time.perf_counter()
            try:
                await one(req)
            except Exception as exc:
                run.record(req.shape, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:300])
            else:
                run.record(req.shape, time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - started


class HttpError(Exception):
    pass


class KeepAliveClient:
    """The load loop's HTTP/1.1 client: GET over keep-alive connections, the whole body read.

    The load generator shares the two cores with the system it measures; httpx spent 1.3–1.5 ms
    of CPU per request here (14 % of the machine at 200 req/s), this about a fifth of that. httpx
    still does the log-in and the cross-check."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        fixed = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive", **headers}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str) -> tuple[int, bytes]:
        reader, writer = self._idle.pop() if self._idle else await asyncio.open_connection(self.host, self.port)
        writer.write(f"GET {path} HTTP/1.1\r\n{self._head}\r\n".encode())
        status = int((await reader.readline()).split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            body = bytearray()
            while size := int((await reader.readline()).split(b";")[0], 16):
                body += await reader.readexactly(size + 2)
                del body[-2:]
            await reader.readline()
        else:
            body = await reader.readexactly(length)
        if close:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return status, bytes(body)

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def http_one(client: KeepAliveClient) -> Callable[[Req], Awaitable[None]]:
    async def one(req: Req) -> None:
        status, body = await client.get(f"/api/ledger/items?{urlencode(req.http_params())}")
        if status != 200:
            raise HttpError(f"HTTP {status} {body[:200].decode(errors='replace')}")

    return one


def direct_one(
    pool: asyncpg.Pool, compiled: dict[Req, Compiled], *, with_count: bool = True
) -> Callable[[Req], Awaitable[None]]:
    async def one(req: Req) -> None:
        c = compiled[req]
        async with pool.acquire() as conn:
            if with_count:  # first, as the router does
                await conn.fetchval(c.count_sql, *c.count_args)
            await conn.fetch(c.page_sql, *c.page_args)

    return one


async def measure(
    mode: str,
    one: Callable[[Req], Awaitable[None]],
    mix: list[Req],
    args: argparse.Namespace,
    groups: Callable[[], Awaitable[dict[str, list[int]]]],
) -> dict:
    if args.warmup > 0:
        await drive(Run(mode), mix, args.concurrency, args.warmup, one, offset=len(mix) // 2)
    run = Run(mode)
    load_before = os.getloadavg()
    meter = CpuMeter(await groups())  # after the warm-up: every pool connection is open by now
    meter.begin()
    await drive(run, mix, args.concurrency, args.seconds, one)
    run.cpu = meter.end()
    out = run.summary()
    out["loadavg_before"] = [round(x, 2) for x in load_before]
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


# ---------------------------------------------------------------- main


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def backend_pids(admin_url: str, database: str) -> list[int]:
    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


async def crosscheck(client: httpx.AsyncClient, pool: asyncpg.Pool, compiled: dict[Req, Compiled]) -> int:
    """One request per shape (and a few more) answered both ways must agree."""
    seen: set[str] = set()
    checked = 0
    for req in compiled:
        if req.shape in seen and checked >= 20:
            continue
        seen.add(req.shape)
        r = await client.get("/api/ledger/items", params=req.http_params())
        r.raise_for_status()
        body = r.json()
        c = compiled[req]
        async with pool.acquire() as conn:
            rows = await conn.fetch(c.page_sql, *c.page_args)
            total = await conn.fetchval(c.count_sql, *c.count_args)
        ids = [row[0] for row in rows]
        total = min(total, COUNT_CAP)  # counted up to COUNT_CAP + 1
        if body["total"] != total or [i["id"] for i in body["items"]] != ids:
            raise AssertionError(f"{req}: gateway total {body['total']} vs direct {total}, or different ids")
        checked += 1
        if checked >= 30:
            break
    return checked


async def explain(pool: asyncpg.Pool, compiled: dict[Req, Compiled], path: Path) -> dict[str, dict]:
    firsts: dict[str, Req] = {}
    for req in compiled:
        firsts.setdefault(req.shape, req)
    out: dict[str, dict] = {}
    lines = []
    async with pool.acquire() as conn:
        for shape, req in firsts.items():
            c = compiled[req]
            entry = {"request": "&".join(f"{k}={v}" for k, v in req.http_params())}
            for label, sql in (("page", c.page_literal), ("count", c.count_literal)):
                plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                text = "\n".join(r[0] for r in plan)
                ms = next((float(r[0].split()[2]) for r in plan if r[0].startswith("Execution Time")), None)
                entry[f"{label}_ms"] = ms
                lines += [f"===== {shape} / {label}: {entry['request']}", sql, "", text, ""]
            out[shape] = entry
    await asyncio.to_thread(path.write_text, "\n".join(lines), encoding="utf-8")
    return out


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def print_table(results: list[dict], explains: dict[str, dict]) -> None:
    head = f"{'mode':<10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'requests':>10}"
    print("\n" + head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['mode']:<10}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['max_ms']:>9.1f}{r['errors']:>8}{r['requests']:>10}"
        )
    shapes = sorted({s for r in results for s in r["by_shape"]}, key=[s[0] for s in SHAPES].index)
    print("\nby shape (p50 / p95 ms; share of requests) and EXPLAIN ANALYZE of one request (page + count ms)")
    head = f"{'shape':<14}" + "".join(f"{r['mode'] + ' p50/p95':>22}" for r in results) + f"{'share':>8}{'explain':>20}"
    print(head)
    print("-" * len(head))
    total = max(1, results[0]["requests"])
    for shape in shapes:
        cells = ""
        for r in results:
            s = r["by_shape"].get(shape)
            cells += f"{s['p50_ms']:>11.1f} /{s['p95_ms']:>8.1f}" if s and s["requests"] else f"{'-':>22}"
        share = results[0]["by_shape"].get(shape, {}).get("requests", 0) / total
        e = explains.get(shape, {})
        ex = f"{e.get('page_ms', 0):.1f} + {e.get('count_ms', 0):.1f}" if e else "-"
        print(f"{ljust(shape, 14)}{cells}{share:>8.0%}{ex:>20}")
    for r in results:
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_ms_per_request"].items())
        print(f"\nCPU ms per request, {r['mode']}: {cpu}")


async def main(args: argparse.Namespace) -> int:
    state_file = RESULTS / f"{args.database}.json"
    if not state_file.exists():
        print(f"no data set: run `python -m bench.generate --database {args.database}` first", file=sys.stderr)
        return 2
    state = json.loads(state_file.read_text())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = RESULTS / stamp
    work.mkdir(parents=True)
    login = state["login"]["office_admin"]
    units = state["member_unit_ids"]
    mix = request_mix(args.seed, units)
    if args.shapes:
        wanted = {x.strip() for x in args.shapes.split(",")}
        unknown = wanted - {name for name, _, _ in SHAPES}
        if unknown:
            print(f"unknown shapes {sorted(unknown)}; known: {[name for name, _, _ in SHAPES]}", file=sys.stderr)
            return 2
        mix = [r for r in mix if r.shape in wanted]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    # The working tree may have gained migrations since the data set was made (new tables): apply them,
    # or the replicas are not ready (readyz checks the head).
    try:
        await asyncio.to_thread(upgrade_all, state)
    except Exception as exc:
        print(
            f"cannot bring {args.database} to the migration head ({exc}); the data set was probably migrated by a "
            "revision that is no longer in the tree: regenerate it with bench.generate",
            file=sys.stderr,
        )
        return 2
    split = await asyncio.to_thread(start_split_mode, state, work, args.replicas) if "gateway" in modes else None
    results: list[dict] = []
    pool = await asyncpg.create_pool(
        state["databases"]["ledger"]["runtime_url"],
        min_size=args.concurrency,
        max_size=args.concurrency,
        server_settings={**SERVER_SETTINGS, "application_name": "qingqian-bench"},  # as the app's engine connects
    )
    try:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=split.base if split else "http://unused", limits=limits, timeout=60) as c:
            if split:
                r = await c.post(
                    "/api/ledger/auth/token",
                    data={"grant_type": "password", "username": login["username"], "password": login["password"]},
                )
                r.raise_for_status()
                token = r.json()["access_token"]
                c.headers["Authorization"] = f"Bearer {token}"
                raw = KeepAliveClient(split.base, {"Authorization": f"Bearer {token}"})
                principal = principal_from_claims(claims_of(token))
            else:
                principal = Principal(
                    kind="user",
                    subject=login["user_id"],
                    username=login["username"],
                    unit_id=login["unit_id"],
                    region_path=login["region_path"],
                    roles=frozenset(login["roles"]),
                )
            compiled = {req: compile_request(principal, req) for req in dict.fromkeys(mix)}
            async with pool.acquire() as conn:  # which page statement the router would choose
                few = {req: await conn.fetchval(c.count_sql, *c.count_args) <= COUNT_CAP for req, c in compiled.items()}
            compiled = {req: compile_request(principal, req, few=few[req]) for req in compiled}
            print(
                f"data set {args.database}: {state['rows'].get('arrears_item', 0):,} items; mix of {len(mix)} requests "
                f"({len(compiled)} distinct) over {len(SHAPES)} shapes; {args.concurrency} clients, "
                f"{args.seconds:g}s per mode after {args.warmup:g}s warm-up; {os.cpu_count()} CPUs",
                flush=True,
            )
            if split:
                checked = await crosscheck(c, pool, compiled)
                print(f"cross-check: {checked} requests give the same total and ids through the gateway and direct")
            explains = await explain(pool, compiled, work / "explain.txt") if args.explain else {}

            async def gateway_groups() -> dict[str, list[int]]:
                return {
                    "ledger-api replicas": split.ledger_pids,
                    "nginx": split.nginx_pids,
                    "postgres backends": await backend_pids(state["admin_url"], args.database),
                }

            async def direct_groups() -> dict[str, list[int]]:
                return {"postgres backends": await backend_pids(state["admin_url"], args.database)}

            for mode in modes:
                if mode == "gateway":
                    one, groups = http_one(raw), gateway_groups
                elif mode == "direct":
                    one, groups = direct_one(pool, compiled), direct_groups
                elif mode == "direct-page":
                    one, groups = direct_one(pool, compiled, with_count=False), direct_groups
                else:
                    raise SystemExit(f"unknown mode {mode}")
                print(f"measuring {mode} …", flush=True)
                results.append(await measure(mode, one, mix, args, groups))
            if split:
                await raw.aclose()
    finally:
        await pool.close()
        if split:
            procs.stop(split.started)

    print_table(results, explains)
    gateway = next((r for r in results if r["mode"] == "gateway"), None)
    direct = next((r for r in results if r["mode"] == "direct"), None)
    verdict = {}
    if gateway:
        verdict["gateway_p95_under_100ms"] = gateway["p95_ms"] is not None and gateway["p95_ms"] < 100
    if gateway and direct and direct["rps"]:
        verdict["gateway_vs_direct_throughput"] = round(gateway["rps"] / direct["rps"], 3)
        verdict["gateway_at_least_half_of_direct"] = gateway["rps"] >= 0.5 * direct["rps"]
    print("\ntargets: " + json.dumps(verdict, ensure_ascii=False))
    summary = {
        "timestamp": stamp,
        "database": args.database,
        "data_set": {"rows": state["rows"], "seed": state["seed"], "sizes": state["sizes"]},
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": os.getloadavg()},
        "config": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "replicas": args.replicas,
            "count_cap": COUNT_CAP,
            "page_size": PAGE_SIZE,
            "principal": {"username": login["username"], "roles": login["roles"], "region": login["region_path"]},
            "shapes": {name: weight for name, weight, _ in SHAPES},
            "mix_seed": args.seed,
        },
        "results": results,
        "explain": explains,
        "targets": verdict,
        "artifacts": str(work.relative_to(RESULTS.parent.parent)),
    }
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    root = RESULTS.parent.parent
    print(f"summary: {out.relative_to(root)}; logs and EXPLAIN: {work.relative_to(root)}/")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="qqbench")
    p.add_argument("--seconds", type=float, default=30.0, help="measured seconds per mode")
    p.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds before each mode")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--replicas", type=int, default=2, help="ledger-api replicas behind nginx")
    p.add_argument(
        "--modes",
        default="gateway,direct",
        help="comma-separated: gateway, direct (page + count, as the endpoint), direct-page (the page alone)",
    )
    p.add_argument("--shapes", default=None, help="comma-separated subset of the request shapes")
    p.add_argument("--seed", type=int, default=1, help="seed of the request mix")
    p.add_argument("--no-explain", dest="explain", action="store_false")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
