"""The scheduled red-flag evaluation (``ledger_api.flags.scheduled.evaluate_all``) on the
province-scale data set, measured.

    .venv/bin/python -m bench.flags                      # copy qqbench, fill, evaluate twice, drop the copy
    .venv/bin/python -m bench.flags --keep               # keep the copy (qqbench_flags) for a rerun
    .venv/bin/python -m bench.flags --reuse --runs 1     # evaluate the kept copy again
    .venv/bin/python -m bench.flags --reuse --runs 1 --no-fill --today 2026-11-23   # a later day on the copy
    .venv/bin/python -m bench.flags --drop-only          # drop a kept copy

It never writes into the data set itself (another measurement may be using it): it makes its own
copy, ``CREATE DATABASE qqbench_flags TEMPLATE qqbench`` (retried while qqbench has connections),
and drops it at the end unless ``--keep``.

``generate.py`` has no steps yet for weekly updates, repayment plans, extensions, reclassification
requests or arrears chains, so without them the rules that read those tables would look at empty
tables. In the copy only, ``--fill`` (on by default) adds them with plain SQL, deterministically
(hash of the item id): a weekly update in one of the last four weeks for 70 % of the open items,
an active two-installment plan for 15 % (the first installment due in the past, nothing paid
since), two extensions on a fifth of those, a pending reclassification request for 0.5 %, and 300
platform companies and SOEs registered as creditors too, each receiving the verified repayments of
a few items (chains).

Then, as the ledger's runtime role (the service's own rights), ``evaluate_all`` runs ``--runs``
times on the data set's as-of day: the first run raises everything, the second must find nothing
to do. Reported per run: seconds, items examined and per second, the job's Python CPU and its
PostgreSQL backend's CPU, per flag kind the conditions found true and the flags raised and
cleared, the audit rows written, and the rows PostgreSQL read per table
(``pg_stat_user_tables``: sequential + index tuple fetches). Results go to stdout and
``bench/results/flags-<timestamp>.json``. ``--per-kind`` then runs each rule alone over the
ledger (one more pass per kind) to show what each costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg

RESULTS = Path(__file__).parent / "results"

FILL_SQL = [
    # Weekly updates: 70 % of the open items, one update 0-3 weeks before the as-of week.
    """
    INSERT INTO ledger.weekly_update (id, item_id, week_start, week, progress, paid_this_week, next_step,
                                      author_id, unit_id, version, created_at, updated_at)
    SELECT gen_random_uuid()::text, w.id, w.monday, to_char(w.monday, 'IYYY-"W"IW'), '与债权企业对账，推进支付',
           0.00, '落实资金来源', coalesce(w.responsible_person_id, $2), w.responsible_unit_id, 1,
           w.monday + interval '1 day 2 hours', w.monday + interval '1 day 2 hours'
    FROM (
        SELECT i.id, i.responsible_person_id, i.responsible_unit_id, i.created_at,
               ($1::date - (extract(isodow FROM $1::date)::int - 1)) - 7 * ((hashtext(i.id || ':wk') & 2147483647) % 4)
                   AS monday
        FROM ledger.arrears_item i
        WHERE i.status IN ('open', 'resolving') AND (hashtext(i.id || ':wk') & 2147483647) % 100 < 70
    ) w
    WHERE w.monday >= (w.created_at AT TIME ZONE 'Asia/Shanghai')::date
                      - (extract(isodow FROM (w.created_at AT TIME ZONE 'Asia/Shanghai')::date)::int - 1)
    """,
    # Plans: 15 % of the open items that owe at least 1 yuan; two installments, the first past due.
    """
    WITH chosen AS (
        SELECT i.id AS item_id, i.outstanding, i.verified_repaid, (hashtext(i.id || ':plan') & 2147483647) AS h,
               (hashtext(i.id || ':ext') & 2147483647) % 100 < 20 AS extended
        FROM ledger.arrears_item i
        WHERE i.status IN ('open', 'resolving') AND i.outstanding >= 1
          AND (hashtext(i.id || ':plan') & 2147483647) % 100 < 15
    ), plans AS (
        INSERT INTO ledger.repayment_plan (id, item_id, status, total, baseline_verified_repaid, created_by,
                                           created_at, version)
        SELECT gen_random_uuid()::text, c.item_id, 'active', c.outstanding, c.verified_repaid, $2,
               $1::date - 90 + time '10:00', 1
        FROM chosen c
        RETURNING id, item_id, total
    ), inst AS (
        INSERT INTO ledger.plan_installment (id, plan_id, seq, due_date, original_due_date, amount, version)
        SELECT gen_random_uuid()::text, p.id, s.seq,
               CASE s.seq WHEN 1 THEN $1::date - (c.h % 60) ELSE $1::date + 30 END,
               CASE WHEN s.seq = 2 AND c.extended THEN $1::date + 10
                    WHEN s.seq = 1 THEN $1::date - (c.h % 60) ELSE $1::date + 30 END,
               CASE s.seq WHEN 1 THEN round(p.total / 2, 2) ELSE p.total - round(p.total / 2, 2) END, 1
        FROM plans p JOIN chosen c ON c.item_id = p.item_id CROSS JOIN (VALUES (1), (2)) s(seq)
        RETURNING id, plan_id, seq, due_date
    )
    INSERT INTO ledger.installment_extension (id, installment_id, plan_id, item_id, old_due_date, new_due_date,
                                              reason, extended_by, extended_at)
    SELECT gen_random_uuid()::text, n.id, n.plan_id, p.item_id, n.due_date - e.back, n.due_date - e.back + 10,
           '财政资金未到位', $2, $1::date - 60 + e.back + time '09:00'
    FROM inst n JOIN plans p ON p.id = n.plan_id JOIN chosen c ON c.item_id = p.item_id
    CROSS JOIN (VALUES (20), (10)) e(back)
    WHERE n.seq = 2 AND c.extended
    """,
    # Reclassification requests: 0.5 % of the open undisputed items.
    """
    INSERT INTO ledger.dispute_reclassification (id, item_id, route, reason, status, requested_by, requested_at,
                                                 version)
    SELECT gen_random_uuid()::text, i.id, 'mediation', '债权企业对工程量结算有异议', 'pending', $2,
           $1::date - 5 + time '15:00', 1
    FROM ledger.arrears_item i
    WHERE i.status IN ('open', 'resolving') AND NOT i.disputed
      AND (hashtext(i.id || ':dispute') & 2147483647) % 1000 < 5
    """,
    # Chains: 300 platform companies / SOEs become creditors too, each of a few items with money verified.
    """
    WITH debtors AS (
        SELECT d.id, d.name, d.uscc, d.region_path, row_number() OVER (ORDER BY d.id) AS n
        FROM ledger.debtor d
        WHERE d.type IN ('platform_company', 'soe')
          AND EXISTS (SELECT 1 FROM ledger.arrears_item i
                      WHERE i.debtor_id = d.id AND i.status IN ('open', 'resolving'))
          AND NOT EXISTS (SELECT 1 FROM ledger.creditor c WHERE c.uscc = d.uscc)
        ORDER BY d.id LIMIT 300
    ), creditors AS (
        INSERT INTO ledger.creditor (id, name, uscc, size, region_path, version)
        SELECT gen_random_uuid()::text, d.name, d.uscc, 'medium', d.region_path, 1 FROM debtors d
        RETURNING id, uscc
    ), receiving AS (
        SELECT i.id, (row_number() OVER (ORDER BY i.id) - 1) % 300 + 1 AS n
        FROM ledger.arrears_item i
        WHERE i.verified_repaid > 0 AND i.status <> 'void' AND (hashtext(i.id || ':chain') & 2147483647) % 1000 < 2
    )
    UPDATE ledger.arrears_item i SET creditor_id = c.id
    FROM receiving r JOIN debtors d ON d.n = r.n JOIN creditors c ON c.uscc = d.uscc
    WHERE i.id = r.id
    """,
]
FILLED_TABLES = (
    "weekly_update",
    "repayment_plan",
    "plan_installment",
    "installment_extension",
    "dispute_reclassification",
    "creditor",
    "arrears_item",
)


def _with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


async def _copy(admin_url: str, source: str, target: str, runtime_role: str, attempts: int) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target):
            raise SystemExit(f"{target} exists already: --reuse it, or drop it first (--drop-only)")
        for attempt in range(1, attempts + 1):
            try:
                await conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except asyncpg.ObjectInUseError:
                if attempt == attempts:
                    raise
                print(f"{source} is in use, retrying ({attempt}/{attempts})", file=sys.stderr)
                await asyncio.sleep(10)
        await conn.execute(f"COMMENT ON DATABASE \"{target}\" IS 'bench.flags copy of {source}'")
        await conn.execute(f'ALTER ROLE "{runtime_role}" IN DATABASE "{target}" SET search_path = ledger, extensions')
    finally:
        await conn.close()


async def _drop(admin_url: str, target: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", target
        )
        if comment is None or not comment.startswith("bench.flags copy"):
            raise SystemExit(f"refusing to drop {target}: not a copy made by bench.flags")
        await conn.execute(f'DROP DATABASE "{target}" WITH (FORCE)')
    finally:
        await conn.close()


async def _fill(admin_db_url: str, as_of: date, user_id: str) -> dict[str, float]:
    conn = await asyncpg.connect(admin_db_url)
    timings = {}
    try:
        if await conn.fetchval("SELECT count(*) FROM ledger.weekly_update"):
            print("already filled", file=sys.stderr)
            return timings
        for n, sql in enumerate(FILL_SQL):
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute(sql, *((as_of, user_id) if "$1" in sql else ()))
            timings[f"fill_{n}"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for table in FILLED_TABLES:
            await conn.execute(f"VACUUM ANALYZE ledger.{table}")
        timings["vacuum_analyze"] = round(time.perf_counter() - started, 1)
    finally:
        await conn.close()
    return timings


async def _table_reads(conn: asyncpg.Connection) -> dict[str, int]:
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    rows = await conn.fetch(
        "SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n, n_tup_ins, n_tup_upd"
        " FROM pg_stat_user_tables WHERE schemaname = 'ledger'"
    )
    return {r["relname"]: (r["n"], r["n_tup_ins"], r["n_tup_upd"]) for r in rows}


def _backend_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the database runs elsewhere
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _evaluate(
    runtime_url: str, admin_db_url: str, today: date, chunk: int, kinds: tuple[str, ...] | None = None
) -> dict:
    from ledger_api.flags.scheduled import evaluate_all
    from qq_kernel.db import create_engine, create_session_factory

    engine = create_engine(runtime_url, pool_size=1, max_overflow=0)
    admin = await asyncpg.connect(admin_db_url)
    try:
        async with engine.connect() as conn:
            pid = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar()
        audit_before = await admin.fetchval("SELECT count(*) FROM ledger.audit_log")
        await asyncio.sleep(1.5)  # so that the counts of this script are not counted as the job's reads
        reads_before = await _table_reads(admin)
        cpu_before, db_before = resource.getrusage(resource.RUSAGE_SELF), _backend_cpu(pid)
        detail: dict = {}
        started = time.perf_counter()
        counts = await evaluate_all(
            create_session_factory(engine),
            today,
            chunk_size=chunk,
            detail=detail,
            **({"kinds": kinds} if kinds else {}),
        )
        seconds = time.perf_counter() - started
        cpu_after, db_after = resource.getrusage(resource.RUSAGE_SELF), _backend_cpu(pid)
        await asyncio.sleep(1.5)  # backends flush their table statistics about once a second
        reads_after = await _table_reads(admin)
        audit_after = await admin.fetchval("SELECT count(*) FROM ledger.audit_log")
        active = dict(
            await admin.fetch("SELECT kind, count(*) FROM ledger.red_flag WHERE cleared_at IS NULL GROUP BY kind")
        )
    finally:
        await admin.close()
        await engine.dispose()
    reads = {
        table: {
            "read": after[0] - reads_before.get(table, (0, 0, 0))[0],
            "inserted": after[1] - reads_before.get(table, (0, 0, 0))[1],
            "updated": after[2] - reads_before.get(table, (0, 0, 0))[2],
        }
        for table, after in reads_after.items()
    }
    reads = {t: v for t, v in sorted(reads.items()) if any(v.values())}
    py_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "seconds": round(seconds, 1),
        "counts": counts,
        "items_per_second": round(counts["evaluated"] / seconds) if seconds else None,
        "python_cpu_seconds": round(py_cpu, 1),
        "database_cpu_seconds": round(db_after - db_before, 1) if db_before is not None and db_after else None,
        "per_kind": detail,
        "audit_rows_written": audit_after - audit_before,
        "active_flags_after": active,
        "rows_read_per_table": reads,
        "rows_read_total": sum(v["read"] for v in reads.values()),
    }


async def main_async(args: argparse.Namespace) -> dict:
    state = json.loads((RESULTS / f"{args.source}.json").read_text())
    admin_url = args.database_url or state["admin_url"]
    runtime_url = _with_database(state["databases"]["ledger"]["runtime_url"], args.database)
    runtime_role = runtime_url.split("://", 1)[1].split(":", 1)[0]
    admin_db_url = _with_database(admin_url, args.database)
    if args.database == args.source:
        raise SystemExit("bench.flags writes flags: give it a copy, never the data set itself")
    if args.drop_only:
        await _drop(admin_url, args.database)
        return {"dropped": args.database}
    today = args.today or date.fromisoformat(state["as_of"])
    report: dict = {"database": args.database, "source": args.source, "today": today.isoformat(), "chunk": args.chunk}
    try:
        if not args.reuse:
            started = time.perf_counter()
            await _copy(admin_url, args.source, args.database, runtime_role, args.attempts)
            report["copy_seconds"] = round(time.perf_counter() - started, 1)
        if args.fill:
            report["fill"] = await _fill(admin_db_url, today, state["login"]["office_admin"]["user_id"])
        conn = await asyncpg.connect(admin_db_url)
        try:
            report["items"] = dict(
                await conn.fetch("SELECT status, count(*) FROM ledger.arrears_item GROUP BY status ORDER BY status")
            )
            report["rows"] = {
                t: await conn.fetchval(f"SELECT count(*) FROM ledger.{t}")
                for t in ("weekly_update", "repayment_plan", "installment_extension", "dispute_reclassification")
            }
        finally:
            await conn.close()
        report["runs"] = []
        for n in range(args.runs):
            result = await _evaluate(runtime_url, admin_db_url, today, args.chunk)
            report["runs"].append(result)
            print(f"run {n + 1}: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr)
        if args.per_kind:
            # Each rule alone over the ledger, once the flags are in place: what each costs per day.
            report["per_kind_alone"] = {}
            from ledger_api.flags.rules import RULES

            for kind in RULES:
                result = await _evaluate(runtime_url, admin_db_url, today, args.chunk, (kind,))
                report["per_kind_alone"][kind] = {
                    k: result[k] for k in ("seconds", "database_cpu_seconds", "rows_read_total", "counts")
                }
                print(f"{kind} alone: {json.dumps(report['per_kind_alone'][kind])}", file=sys.stderr)
    finally:
        if not args.keep and not args.reuse:
            await _drop(admin_url, args.database)
            report["dropped"] = True
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the scheduled red-flag evaluation on the bench data set")
    parser.add_argument("--source", default="qqbench", help="the data set (bench/results/<source>.json)")
    parser.add_argument("--database", default="qqbench_flags", help="the copy to make and measure")
    parser.add_argument("--database-url", default=None, help="administrative URL (default: the data set's)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="default: the data set's as-of day")
    parser.add_argument("--chunk", type=int, default=5000, help="items per chunk (one transaction each)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-fill", dest="fill", action="store_false", help="do not add plans, updates, chains")
    parser.add_argument("--per-kind", action="store_true", help="then time each rule alone (one pass each)")
    parser.add_argument("--keep", action="store_true", help="keep the copy afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure an existing copy (kept by --keep)")
    parser.add_argument("--drop-only", action="store_true", help="drop the copy and stop")
    parser.add_argument("--attempts", type=int, default=30, help="tries to copy while the data set is in use")
    args = parser.parse_args(argv)
    report = asyncio.run(main_async(args))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if "runs" in report:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"flags-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
