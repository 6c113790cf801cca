"""Contract fuzzing (issue 9 "Contract fuzzing from now on", issue 14 acceptance 2): schemathesis
runs the ledger contract against the all-in-one gateway over real HTTP, as an office_admin and as
a unit_operator, with its examples, coverage, fuzzing and stateful (link-following) phases. Any 5xx,
response that breaks its own schema, status code the contract does not declare or undeclared
content type fails the test.

Bounded for `make test` (QQ_FUZZ_MAX_TIME seconds per role, default 45); `make fuzz` runs it longer.
It writes only into this test session's own database: never point it at one with data that matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fuzz.allinone_server import allinone_server
from tests.support.ledger_helpers import make_debt
from tests.support.world import PASSWORD, bearer, login

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]

MAX_TIME = int(os.environ.get("QQ_FUZZ_MAX_TIME", "45"))
MAX_EXAMPLES = int(os.environ.get("QQ_FUZZ_MAX_EXAMPLES", "10"))
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
# Operations that would end the run's own session or lock its account: logging out revokes the
# token the fuzzer authenticates with; changing the password revokes every session of the user.
EXCLUDED = ("auth_logout", "auth_change_password")


@pytest.fixture(scope="module")
def fuzz_server(platform_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    with allinone_server(platform_db, work) as base:
        yield base, work


def run_schemathesis(
    base: str, user, decoy, client_ip: str, item_ids: list[str], report: Path
) -> tuple[subprocess.CompletedProcess, dict]:
    st = Path(sys.executable).parent / "st"
    # The contract as the running server publishes it, fetched once with patience: schemathesis
    # gives a schema URL 10 s, which a loaded machine's first (schema-building) request can miss.
    spec = report.with_suffix(".openapi.json")
    spec.write_bytes(httpx.get(f"{base}/api/ledger/openapi.json", timeout=120).raise_for_status().content)
    args = [
        str(st),
        "run",
        str(spec),
        "--url",
        base,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME),
        "--workers",
        "1",
        "--seed",
        os.environ.get("QQ_FUZZ_SEED", "20261203"),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    for op in EXCLUDED:
        args += ["--exclude-operation-id", op]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.st_hooks",
        "QQ_FUZZ_BASE": base,
        "QQ_FUZZ_USERNAME": user.username,
        "QQ_FUZZ_PASSWORD": PASSWORD,
        "QQ_FUZZ_USER_ID": user.id,
        "QQ_FUZZ_DECOY_ID": decoy.id,
        "QQ_FUZZ_CLIENT_IP": client_ip,
        "QQ_FUZZ_ITEM_IDS": ",".join(item_ids),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(args, capture_output=True, text=True, timeout=MAX_TIME * 4 + 120, env=env, cwd=ROOT)
    return result, count_requests(report)


def count_requests(report: Path) -> dict:
    """Requests and status classes from the ndjson event log."""
    counts = {"requests": 0, "5xx": 0}
    if not report.exists():
        return counts
    for line in report.read_text(encoding="utf-8").splitlines():
        if '"status_code"' not in line:
            continue
        for status in _statuses(json.loads(line)):
            counts["requests"] += 1
            counts["5xx"] += status >= 500
    return counts


def _statuses(node) -> list[int]:
    found = []
    if isinstance(node, dict):
        if "status_code" in node and isinstance(node["status_code"], int) and "elapsed" in node:
            found.append(node["status_code"])
        for value in node.values():
            found += _statuses(value)
    elif isinstance(node, list):
        for value in node:
            found += _statuses(value)
    return found


@pytest.mark.parametrize("role", ["office_admin", "unit_operator"])
async def test_ledger_contract_holds_under_fuzzing(fuzz_server, client, worlds, world, role):
    base, work = fuzz_server
    unit = world.office if role == "office_admin" else world.unit_a
    user = await worlds.user(world, roles=[role], unit=unit)
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    decoy = await worlds.user(world, roles=[role], unit=unit)
    # Something to find: two debts in the world, so item routes and links meet real rows.
    ho = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    items = [await make_debt(client, ho, world, unit=world.unit_a) for _ in range(3)]
    ids = [i["id"] for i in items]
    result, counts = run_schemathesis(base, user, decoy, world.client_ip, ids, work / f"{role}.ndjson")
    print(f"schemathesis as {role}: {counts}")
    print(result.stdout[-6000:])
    server_errors = [
        line for line in (work / "allinone.log").read_text(errors="replace").splitlines() if "Error" in line
    ]
    assert result.returncode == 0, "\n".join([result.stdout[-20000:], result.stderr[-4000:], *server_errors[-20:]])
    assert counts["requests"] > 0 and counts["5xx"] == 0, counts
