"""Excel and bulk throughput (issue 11), through the split-mode gateway, each next to its limit.

    .venv/bin/python -m bench.generate --database qqbench_small --items 20000 --creditors 5000 --debtors 500 --units 20
    .venv/bin/python -m bench.transfer --database qqbench_small --items 10000

1. starts split mode (two ledger-api replicas behind nginx, as bench.measure does) on a data set
   made by ``bench.generate``, logs in as its office_admin;
2. **bulk**: ``--items`` new items (fresh debtors and creditors among them) in requests of
   ``--batch`` rows to POST /api/ledger/transfer/bulk/items, each with its Idempotency-Key; then
   the last request replayed (the stored answer); items/s over the wall time;
3. **COPY**, the limit beside it: the same number of item rows (same columns, existing parties)
   COPYed into ledger.arrears_item in one transaction over asyncpg, then rolled back;
4. **import**: an ``--items``-row template built with xlsxwriter (new items) uploaded through the
   gateway: dry run (parse + validate + plan) and write, each timed from the job's own timestamps;
5. **export**: the whole ledger the office sees, streamed (.xlsx), and that file imported again as a
   dry run (every row unchanged);
6. the ledger replicas' peak resident memory (VmHWM) before and after.

Writes bench/results/transfer-<timestamp>.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import secrets
import sys
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import xlsxwriter

from bench.measure import RESULTS, start_split_mode, upgrade_all
from ledger_api.transfer.template import COLUMNS, header_text
from qq_kernel.uscc import random_uscc
from tests.support import procs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def make_rows(n: int, units: list[str], tag: str, rng: random.Random) -> list[dict]:
    debtors = [(f"基准测试主体{tag}{k}", random_uscc(rng)) for k in range(max(10, n // 50))]
    creditors = [(f"基准测试企业{tag}{k}", random_uscc(rng)) for k in range(max(20, n // 20))]
    rows = []
    for k in range(n):
        d, c = rng.choice(debtors), rng.choice(creditors)
        row = {
            "debtor_name": d[0],
            "debtor_uscc": d[1],
            "debtor_type": "government_agency",
            "creditor_name": c[0],
            "creditor_uscc": c[1],
            "creditor_size": "small",
            "contract_name": f"基准合同{tag}-{k:07d}",
            "procurement_type": "works",
            "principal": f"{rng.randint(1000, 9_000_000)}.{rng.randint(0, 99):02d}",
            "due_date": "2025-06-30",
            "responsible_unit_id": units[k % len(units)],
        }
        if k % 4 == 0:
            row["funding_lines"] = [{"source": "budget", "amount": "1000.00", "expected_arrival_date": "2026-06-30"}]
        rows.append(row)
    return rows


def workbook(rows: list[dict], unit_names: dict[str, str]) -> bytes:
    keys = [c.key for c in COLUMNS if c.kind != "readonly"]
    labels = {c.key: c.choices for c in COLUMNS if c.choices}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    ws = book.add_worksheet("台账")
    ws.write_string(0, 0, "基准导入")
    for i, key in enumerate(keys):
        ws.write_string(1, i, header_text(next(c for c in COLUMNS if c.key == key)))
    for r, row in enumerate(rows, start=2):
        cells = {**row, "responsible_unit_id": unit_names[row["responsible_unit_id"]], "disputed": "无分歧"}
        for line in row.get("funding_lines", [])[:1]:
            cells.update(
                funding_1_source=line["source"],
                funding_1_amount=line["amount"],
                funding_1_date=line["expected_arrival_date"],
            )
        for i, key in enumerate(keys):
            value = cells.get(key)
            if value is None or key == "funding_lines":
                continue
            if key in labels:
                value = labels[key].get(value, value)
            ws.write_string(r, i, str(value))
    book.close()
    return buffer.getvalue()


async def wait_job(c: httpx.AsyncClient, h: dict, job_id: str) -> dict:
    while True:
        job = (await c.get(f"/api/ledger/transfer/imports/{job_id}", headers=h)).json()
        if job["status"] in ("validated", "invalid", "done", "failed"):
            return job
        await asyncio.sleep(0.2)


def job_seconds(job: dict, start: str) -> float:
    end = job["finished_at"] or job["updated_at"]
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


async def timed_import(c: httpx.AsyncClient, h: dict, content: bytes, *, write: bool) -> dict:
    t0 = time.perf_counter()
    r = await c.post("/api/ledger/transfer/imports", headers=h, files={"file": ("bench.xlsx", content, XLSX)})
    r.raise_for_status()
    job = await wait_job(c, h, r.json()["id"])
    out = {"rows": job["rows_total"], "counts": job["counts"], "dry_run_s": round(time.perf_counter() - t0, 2)}
    if write and job["status"] == "validated":
        t1 = time.perf_counter()
        (
            await c.post(
                f"/api/ledger/transfer/imports/{job['id']}/confirm", json={"mode": "all_or_nothing"}, headers=h
            )
        ).raise_for_status()
        job = await wait_job(c, h, job["id"])
        out.update(write_s=round(time.perf_counter() - t1, 2), status=job["status"])
    return out


async def copy_limit(runtime_url: str, n: int, units: list[str]) -> dict:
    """The same number of item rows COPYed into arrears_item (with its indexes, constraints and
    triggers), in one transaction rolled back afterwards."""
    conn = await asyncpg.connect(runtime_url)
    try:
        parties = await conn.fetch(
            "SELECT i.debtor_id, i.debtor_type, i.creditor_id, i.region_path, i.responsible_unit_id"
            " FROM ledger.arrears_item i WHERE i.responsible_unit_id = ANY($1) LIMIT 1000",
            units,
        )
        rng = random.Random(1)
        tag = secrets.token_hex(3)
        columns = [
            "id",
            "ledger_no",
            "region_path",
            "debtor_id",
            "debtor_type",
            "creditor_id",
            "contract_name",
            "procurement_type",
            "principal",
            "verified_repaid",
            "adjustments_total",
            "outstanding",
            "due_date",
            "responsible_unit_id",
            "disputed",
            "status",
            "source",
            "version",
        ]
        records = []
        for k in range(n):
            p = parties[k % len(parties)]
            amount = Decimal(f"{rng.randint(1000, 9_000_000)}.{rng.randint(0, 99):02d}")
            records.append(
                (
                    str(uuid.uuid4()),
                    f"COPY{tag}-{k:07d}",
                    p["region_path"],
                    p["debtor_id"],
                    p["debtor_type"],
                    p["creditor_id"],
                    f"基准合同COPY{tag}-{k}",
                    "works",
                    amount,
                    Decimal("0.00"),
                    Decimal("0.00"),
                    amount,
                    date(2025, 6, 30),
                    p["responsible_unit_id"],
                    False,
                    "open",
                    "bench",
                    1,
                )
            )
        tr = conn.transaction()
        await tr.start()
        t0 = time.perf_counter()
        await conn.copy_records_to_table("arrears_item", schema_name="ledger", columns=columns, records=records)
        seconds = time.perf_counter() - t0
        await tr.rollback()
        return {"rows": n, "seconds": round(seconds, 3), "rows_per_s": round(n / seconds)}
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> int:
    state_file = RESULTS / f"{args.database}.json"
    if not state_file.exists():
        print(f"no data set: run `python -m bench.generate --database {args.database}` first", file=sys.stderr)
        return 2
    state = json.loads(state_file.read_text())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = RESULTS / f"transfer-{stamp}"
    work.mkdir(parents=True)
    await asyncio.to_thread(upgrade_all, state)
    split = await asyncio.to_thread(start_split_mode, state, work, args.replicas)
    rng = random.Random(args.seed)
    result: dict = {"items": args.items, "batch": args.batch, "replicas": args.replicas}
    try:
        async with httpx.AsyncClient(base_url=split.base, timeout=600) as c:
            login = state["login"]["office_admin"]
            r = await c.post(
                "/api/ledger/auth/token", data={"username": login["username"], "password": login["password"]}
            )
            r.raise_for_status()
            h = {"Authorization": f"Bearer {r.json()['access_token']}"}
            units = state["member_unit_ids"][: args.units]
            result["memory_mb_before"] = {pid: vm_hwm(pid) for pid in split.ledger_pids}

            # bulk, then the limit beside it
            rows = make_rows(args.items, units, secrets.token_hex(3), rng)
            t0 = time.perf_counter()
            last = None
            for start in range(0, len(rows), args.batch):
                last = {"items": rows[start : start + args.batch]}
                key = {"Idempotency-Key": secrets.token_hex(16)}
                r = await c.post("/api/ledger/transfer/bulk/items", json=last, headers={**h, **key})
                r.raise_for_status()
                assert r.json()["counts"]["refused"] == 0, r.json()["rows"][:3]
            bulk_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            replay = await c.post("/api/ledger/transfer/bulk/items", json=last, headers={**h, **key})
            result["bulk"] = {
                "seconds": round(bulk_s, 2),
                "items_per_s": round(args.items / bulk_s),
                "replay_s": round(time.perf_counter() - t1, 3),
                "replayed": replay.headers.get("idempotent-replayed") == "true",
            }
            result["copy"] = await copy_limit(state["databases"]["ledger"]["runtime_url"], args.items, units)
            print("bulk", result["bulk"], "copy", result["copy"], flush=True)

            # import of a fresh file, then export of everything and its re-import (a no-op)
            names = {u["id"]: u["name"] for u in (await c.get("/api/ledger/org/units", headers=h)).json()}
            content = workbook(make_rows(args.items, units, secrets.token_hex(3), rng), names)
            result["import"] = {"bytes": len(content), **await timed_import(c, h, content, write=True)}
            print("import", result["import"], flush=True)
            t2 = time.perf_counter()
            export = await c.get("/api/ledger/transfer/export", headers=h)
            export.raise_for_status()
            result["export"] = {
                "rows": int(export.headers["x-row-count"]),
                "bytes": len(export.content),
                "seconds": round(time.perf_counter() - t2, 2),
            }
            print("export", result["export"], flush=True)
            if args.reimport_export:
                result["reimport_export"] = await timed_import(c, h, export.content, write=False)
            result["memory_mb_after"] = {pid: vm_hwm(pid) for pid in split.ledger_pids}
    finally:
        procs.stop(split.started)
    (RESULTS / f"transfer-{stamp}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.transfer", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="qqbench")
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=10_000, help="rows per bulk request (at most 10,000)")
    p.add_argument("--units", type=int, default=10, help="member units the new items are spread over")
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--reimport-export", action="store_true", help="also import the export as a dry run")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
