#!/usr/bin/env python3
"""Push a CSV of arrears items to the ledger with an API token, retrying safely.

    QQ_API_TOKEN=qq_… python3 examples/push_items.py items.csv --base-url http://127.0.0.1:8000
    QQ_API_TOKEN=qq_… python3 examples/push_items.py items.csv --dry-run      # check only

The CSV (UTF-8, with a header row) has the bulk API's field names as columns (docs/api.md, "Bulk
upsert for scripts"): ledger_no, debtor_name, debtor_uscc, debtor_type, creditor_name,
creditor_uscc, creditor_size, contract_name, procurement_type, principal, delivery_date,
acceptance_date, due_date, responsible_unit_id, responsible_person_id, disputed, dispute_route,
court_case_no, resolution_measures, planned_clearance_date. Empty cells are left out.

Rows go in batches of at most 10,000. Each batch gets its own Idempotency-Key, derived from the
batch's content, and is retried with the same key after a network error, a 5xx or a 429: the
server applies a batch once, however many times it arrives, and answers a retry with the first
answer. Only the standard library is used.

Exit status: 0 when every row was accepted (created, updated or unchanged), 1 when some rows were
refused (each printed with its errors), 2 on a request that failed for good.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request

BATCH = 10_000
RETRIES = 6
BOOLEAN_FIELDS = {"disputed"}


def read_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = []
        for raw in csv.DictReader(fh):
            row = {k.strip(): v.strip() for k, v in raw.items() if k and v is not None and v.strip() != ""}
            for name in BOOLEAN_FIELDS & row.keys():
                row[name] = row[name].lower() in ("true", "1", "是", "有分歧")
            rows.append(row)
        return rows


def post(url: str, token: str, body: dict, key: str | None) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    if not url.startswith(("http://", "https://")):
        raise SystemExit(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - checked above
        return json.loads(response.read())


def push(url: str, token: str, body: dict, key: str | None) -> dict:
    """One batch, retried with the same key: safe, the server applies it once."""
    for attempt in range(RETRIES):
        try:
            return post(url, token, body, key)
        except urllib.error.HTTPError as exc:
            problem = json.loads(exc.read() or b"{}")
            if exc.code in (429, 502, 503, 504) or exc.code >= 500:
                wait = int(exc.headers.get("Retry-After") or 2**attempt)
                print(
                    f"  {exc.code} {problem.get('title', '')}: retrying in {wait}s with the same key", file=sys.stderr
                )
                time.sleep(wait)
                continue
            detail = problem.get("detail") or problem.get("title")
            raise SystemExit(f"refused: {exc.code} {problem.get('code')} {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            wait = 2**attempt
            print(f"  network error ({exc}): retrying in {wait}s with the same key", file=sys.stderr)
            time.sleep(wait)
    print("giving up: the server did not answer", file=sys.stderr)
    sys.exit(2)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv")
    p.add_argument("--base-url", default=os.environ.get("QQ_BASE_URL", "http://127.0.0.1:8000"))
    p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    p.add_argument("--all-or-nothing", action="store_true", help="a batch with a refused row writes nothing")
    args = p.parse_args()
    token = os.environ.get("QQ_API_TOKEN")
    if not token:
        p.error("set QQ_API_TOKEN to an API token with the ledger:write scope")
    url = args.base_url.rstrip("/") + "/api/ledger/transfer/bulk/items"
    rows = read_rows(args.csv)
    totals = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
    for start in range(0, len(rows), BATCH):
        body = {"items": rows[start : start + BATCH], "dry_run": args.dry_run, "all_or_nothing": args.all_or_nothing}
        # The key is the batch's content: running the script again on the same file is a retry.
        key = None if args.dry_run else hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        answer = push(url, token, body, key)
        for name, n in answer["counts"].items():
            totals[name] += n
        for row in answer["rows"]:
            if row["action"] == "refused":
                line = start + row["index"] + 2  # the CSV's line (header is line 1)
                for error in row["errors"]:
                    print(f"line {line}: {error['field']}: {error['message']}")
    verb = "would be" if args.dry_run else "were"
    print(
        f"{len(rows)} rows: {totals['created']} {verb} created, {totals['updated']} updated, "
        f"{totals['unchanged']} unchanged, {totals['refused']} refused"
    )
    return 1 if totals["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
