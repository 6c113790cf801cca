"""schemathesis hooks for tests/fuzz/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The fuzzer logs in as its user and logs in again every 20 s: an operation it fuzzes may end its
own session (a password reset revokes sessions), and the rest of the run must still reach the
API's logic rather than its 401. It never targets its own account's admin operations (it would
lock itself out and test nothing further)."""

from __future__ import annotations

import os

import httpx
import schemathesis

BASE = os.environ["QQ_FUZZ_BASE"]
USERNAME = os.environ["QQ_FUZZ_USERNAME"]
PASSWORD = os.environ["QQ_FUZZ_PASSWORD"]
SELF_ID = os.environ["QQ_FUZZ_USER_ID"]
CLIENT_IP = os.environ.get("QQ_FUZZ_CLIENT_IP", "127.0.0.1")


@schemathesis.auth(refresh_interval=20)
class LedgerLogin:
    def get(self, case, ctx):
        r = httpx.post(
            f"{BASE}/api/ledger/auth/token",
            data={"username": USERNAME, "password": PASSWORD},
            headers={"X-Real-IP": CLIENT_IP},
            timeout=30,
        )
        if r.status_code != 200:
            raise RuntimeError(f"fuzz login failed: {r.status_code} {r.text}")
        return r.json()["access_token"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


DECOY_ID = os.environ["QQ_FUZZ_DECOY_ID"]


@schemathesis.hook
def filter_case(ctx, case):
    return (case.path_parameters or {}).get("user_id") != SELF_ID


# The seeded debts of the fuzzer's world: an item id drawn at random would only meet 404, so every
# generated item_id is replaced by one of them and the routes under /items/{item_id} meet real rows.
ITEM_IDS = [i for i in os.environ.get("QQ_FUZZ_ITEM_IDS", "").split(",") if i]


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    if path_parameters and path_parameters.get("user_id") == SELF_ID:
        path_parameters["user_id"] = DECOY_ID  # another user of the world, to fuzz on
    if path_parameters and "item_id" in path_parameters and ITEM_IDS:
        generated = str(path_parameters["item_id"])
        path_parameters["item_id"] = ITEM_IDS[sum(map(ord, generated)) % len(ITEM_IDS)]
    return path_parameters
