"""Dashboard benchmark (issue 11): GET /api/ledger/reports/dashboard and the reports behind it on
the data set of bench.generate, through the split-mode gateway, 16 clients; target p95 < 100 ms
at 1,000,000 items. Beside it, the limit the aggregates replace: the same totals summed straight
from arrears_item (mode ``items``).

    .venv/bin/python -m bench.dashboard                         # the 1M data set (qqbench)
    .venv/bin/python -m bench.dashboard --database qqbench_small --seconds 5 --warmup 2

Before measuring it (re)computes the weekly snapshots of the last ``--snapshot-weeks`` weeks (what
the hourly job does after a deployment) and reports the seconds per week; it checks once that the
dashboard's total equals the items' own sum (the aggregates are consistent with the data set).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.measure import (
    RESULTS,
    KeepAliveClient,
    backend_pids,
    measure,
    start_split_mode,
    upgrade_all,
)
from ledger_api.reports.service import snapshot_week
from ledger_api.weekly.rules import week_start
from qq_kernel.db import SERVER_SETTINGS, create_engine, create_session_factory
from tests.support import procs

# (shape, weight, path and query): what the home page and the bulletin read.
SHAPES = [
    ("dashboard", 60, "/api/ledger/reports/dashboard", {}),
    ("dashboard_city", 15, "/api/ledger/reports/dashboard", {"region": "{city}"}),
    ("totals_region", 10, "/api/ledger/reports/totals", {"group_by": "region"}),
    ("ageing", 10, "/api/ledger/reports/ageing", {}),
    ("ranking", 5, "/api/ledger/reports/ranking", {}),
]

ITEMS_SQL = """
SELECT responsible_unit_id, debtor_type, status, count(*), sum(principal), sum(verified_repaid),
       sum(outstanding)
FROM ledger.arrears_item WHERE region_path LIKE $1
GROUP BY GROUPING SETS ((responsible_unit_id, status), (debtor_type, status), (status))
"""


class Req:
    def __init__(self, shape: str, path: str) -> None:
        self.shape, self.path = shape, path


def request_mix(city: str, n: int = 400) -> list[Req]:
    out = []
    for shape, weight, path, query in SHAPES:
        q = {k: v.format(city=city) for k, v in query.items()}
        out += [Req(shape, f"{path}?{urlencode(q)}" if q else path)] * weight
    # interleave the shapes
    out.sort(key=lambda r: hash((r.shape, id(r))) % 997)
    return (out * (n // len(out) + 1))[:n]


async def snapshots(runtime_url: str, weeks: int, today: date) -> list[float]:
    engine = create_engine(runtime_url, pool_size=1, max_overflow=0)
    sessions = create_session_factory(engine)
    took = []
    try:
        monday = week_start(today) - timedelta(days=7 * weeks)
        for _ in range(weeks):
            started = time.perf_counter()
            async with sessions() as session:
                await snapshot_week(session, monday)
                await session.commit()
            took.append(round(time.perf_counter() - started, 2))
            monday += timedelta(days=7)
    finally:
        await engine.dispose()
    return took


async def main(args: argparse.Namespace) -> int:
    state_file = RESULTS / f"{args.database}.json"
    if not state_file.exists():
        print(f"no data set: run `python -m bench.generate --database {args.database}` first", file=sys.stderr)
        return 2
    state = json.loads(state_file.read_text())
    await asyncio.to_thread(upgrade_all, state)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = RESULTS / f"dashboard-{stamp}"
    work.mkdir(parents=True)
    province = state["province_path"]
    runtime_url = state["databases"]["ledger"]["runtime_url"]
    dsn = runtime_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    today = date.fromisoformat(str(state["as_of"])[:10]) if state.get("as_of") else date.today()
    snap_seconds = await snapshots(runtime_url, args.snapshot_weeks, today) if args.snapshot_weeks else []
    if snap_seconds:
        print(f"weekly snapshots: {len(snap_seconds)} weeks, seconds each {snap_seconds}", flush=True)

    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=args.concurrency, server_settings=dict(SERVER_SETTINGS)
    )
    split = await asyncio.to_thread(start_split_mode, state, work, args.replicas)
    results = []
    try:
        login = state["login"]["office_admin"]
        async with httpx.AsyncClient(base_url=split.base, timeout=120) as c:
            r = await c.post(
                "/api/ledger/auth/token", data={"username": login["username"], "password": login["password"]}
            )
            r.raise_for_status()
            token = r.json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            dash = (await c.get("/api/ledger/reports/dashboard", headers=headers)).json()
            cold_ms = round((time.perf_counter() - started) * 1000, 1)
            # The aggregates against the items, once: the same total both ways.
            async with pool.acquire() as conn:
                outstanding, items = await conn.fetchrow(
                    "SELECT coalesce(sum(outstanding), 0), count(*) FROM ledger.arrears_item "
                    "WHERE region_path LIKE $1 AND status <> 'void'",
                    province + "%",
                )
                city = await conn.fetchval(
                    "SELECT path FROM ledger.region WHERE level = 'city' AND path LIKE $1 ORDER BY code LIMIT 1",
                    province + "%",
                )
            consistent = dash["total"]["outstanding"] == f"{outstanding:.2f}" and dash["total"]["items"] == items
            print(
                f"data set {args.database}: {items:,} items (not void); dashboard (first call {cold_ms} ms) "
                f"equals the items' sum: {consistent}",
                flush=True,
            )
            mix = request_mix(city or province)
            raw = KeepAliveClient(split.base, headers)

            async def http_one(req: Req) -> None:
                status, body = await raw.get(req.path)
                if status != 200:
                    raise RuntimeError(f"HTTP {status} {body[:200].decode(errors='replace')}")

            async def items_one(req: Req) -> None:
                async with pool.acquire() as conn:
                    await conn.fetch(ITEMS_SQL, province + "%")

            async def gateway_groups() -> dict[str, list[int]]:
                return {
                    "ledger-api replicas": split.ledger_pids,
                    "nginx": split.nginx_pids,
                    "postgres backends": await backend_pids(state["admin_url"], args.database),
                }

            async def direct_groups() -> dict[str, list[int]]:
                return {"postgres backends": await backend_pids(state["admin_url"], args.database)}

            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                print(f"measuring {mode} …", flush=True)
                if mode == "gateway":
                    results.append(await measure(mode, http_one, mix, args, gateway_groups))
                elif mode == "items":
                    items_mix = [Req("items_sum", "")] * 50
                    results.append(await measure(mode, items_one, items_mix, args, direct_groups))
                else:
                    raise SystemExit(f"unknown mode {mode}")
            await raw.aclose()
    finally:
        await pool.close()
        procs.stop(split.started)

    for res in results:
        print(
            f"{res['mode']:>8}: {res.get('requests', 0):>6} requests, {res.get('rps')} req/s, "
            f"p50 {res.get('p50_ms')} ms, p95 {res.get('p95_ms')} ms, errors {res.get('errors')}"
        )
        for shape, s in (res.get("by_shape") or {}).items():
            print(f"          {shape:<16} p50 {s.get('p50_ms')} ms  p95 {s.get('p95_ms')} ms  n={s.get('requests')}")
    gateway = next((r for r in results if r["mode"] == "gateway"), None)
    verdict = {
        "consistent_with_items": consistent,
        "gateway_p95_under_100ms": bool(gateway and gateway["p95_ms"] is not None and gateway["p95_ms"] < 100),
    }
    print("targets: " + json.dumps(verdict))
    summary = {
        "timestamp": stamp,
        "database": args.database,
        "items": items,
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": os.getloadavg()},
        "config": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "replicas": args.replicas,
            "shapes": {s: w for s, w, _, _ in SHAPES},
        },
        "snapshot_seconds": snap_seconds,
        "first_call_ms": cold_ms,
        "results": results,
        "targets": verdict,
    }
    out = RESULTS / f"dashboard-{stamp}.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    print(f"summary: {out}")
    return 0 if all(verdict.values()) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="qqbench")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument(
        "--modes", default="gateway,items", help="gateway (the reports over HTTP), items (sums from the items)"
    )
    p.add_argument("--snapshot-weeks", type=int, default=12, help="weekly snapshots to (re)compute first; 0: none")
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
