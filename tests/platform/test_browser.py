"""Browser tests in real Chromium (Debian's package, driven by playwright-core): the SPA served
by the all-in-one process over this session's database. Screenshots are kept under
test-artifacts/ (and frontend/e2e/artifacts/)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qqctl.services import SERVICES
from tests.support import procs
from tests.support.ledger_helpers import PDF, make_debt
from tests.support.world import PASSWORD, bearer, login

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]
ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def spa_server(platform_db, tmp_path_factory):
    if not (FRONTEND / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is missing: `make test` builds it (or run `make frontend`)")
    if not (FRONTEND / "node_modules").exists():
        pytest.fail("frontend/node_modules is missing: `make test` installs it")
    port = procs.free_port()
    env = {"LOG_LEVEL": "WARNING"}
    for spec in SERVICES:
        db = platform_db.databases[spec.key]
        env[f"{spec.env_prefix}DATABASE_URL"] = db.runtime_url
        env.update(platform_db.credentials.env_for(spec))
        env[f"{spec.env_prefix}GATEWAY_URL"] = f"http://127.0.0.1:{port}"
        env[f"{spec.env_prefix}ENVIRONMENT"] = "test"
        env[f"{spec.env_prefix}SCHEDULED_JOBS"] = "false"
    log = tmp_path_factory.mktemp("spa") / "server.log"
    proc = subprocess.Popen(
        [str(Path(os.sys.executable).parent / "qqctl"), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        procs.wait_http(f"http://127.0.0.1:{port}/api/ledger/readyz", proc=proc, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        procs.stop([proc])


def run_node(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", script],
        cwd=FRONTEND,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    for png in (FRONTEND / "e2e" / "artifacts").glob("*.png"):
        shutil.copy(png, ARTIFACTS / png.name)
    return result


async def test_smoke_home_page(spa_server, client, worlds, world):
    user = await worlds.user(world, roles=["office_admin"], unit=world.office)
    result = await asyncio.to_thread(
        run_node, "e2e/smoke.mjs", {"BASE_URL": spa_server, "QQ_USER": user.username, "QQ_PASSWORD": "Qq-test-Passw0rd"}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (FRONTEND / "e2e" / "artifacts" / "home.png").stat().st_size > 10_000


async def test_identity_flow_and_api_token_from_a_script(spa_server, client, worlds, world):
    one_time = "Start-Pass-2026"
    admin = await worlds.user(
        world, roles=["security_admin", "office_admin"], unit=world.office, must_change=True, password=one_time
    )
    new_username = f"e2e{world.tag}op"
    env = {
        "BASE_URL": spa_server,
        "QQ_ADMIN_USER": admin.username,
        "QQ_ADMIN_PASSWORD": one_time,
        "QQ_NEW_PASSWORD": "Changed-Pass-2026!",
        "QQ_UNIT_NAME": world.unit_a.name,
        "QQ_NEW_USERNAME": new_username,
    }
    result_file = FRONTEND / "e2e" / "artifacts" / "identity-result.json"
    result_file.unlink(missing_ok=True)
    result = await asyncio.to_thread(run_node, "e2e/identity.mjs", env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for png in ("login.png", "users.png"):
        assert (ARTIFACTS / png).stat().st_size > 10_000, png
    outcome = json.loads(result_file.read_text())
    assert outcome["new_user"] == new_username

    # The user created in the browser exists and must change the password it was given.
    tokens = await login(client, new_username, outcome["new_user_password"], ip=world.client_ip)
    assert tokens["must_change_password"] is True

    # The API token made in the browser works from a script against complaint-api.
    script = await asyncio.to_thread(
        subprocess.run,
        ["curl", "-sS", "-H", f"Authorization: Bearer {outcome['token']}", f"{spa_server}/api/complaints/whoami"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert script.returncode == 0, script.stderr
    whoami = json.loads(script.stdout)
    assert whoami["service"] == "complaint-api" and whoami["kind"] == "api_token"
    assert whoami["username"] == admin.username and whoami["permissions"] == ["complaints:read"]


async def test_clerk_week_in_the_browser(spa_server, client, worlds, world, tmp_path):
    """Issue 4: a unit operator files the weekly update and reports a repayment with evidence;
    the office verifies it and writes the item off — all by clicking, in Chromium."""
    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    item = await make_debt(client, h, world, principal="50000.00", unit=world.unit_a, responsible_person_id=operator.id)
    pdf = tmp_path / "银行回单.pdf"
    pdf.write_bytes(PDF)
    env = {
        "BASE_URL": spa_server,
        "QQ_OPERATOR_USER": operator.username,
        "QQ_OPERATOR_PASSWORD": PASSWORD,
        "QQ_OFFICE_USER": office.username,
        "QQ_OFFICE_PASSWORD": PASSWORD,
        "QQ_ITEM_LEDGER_NO": item["ledger_no"],
        "QQ_EVIDENCE_PDF": str(pdf),
    }
    result = await asyncio.to_thread(run_node, "e2e/ledger.mjs", env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for png in ("ledger-list.png", "item.png", "verification.png", "write-off-refused.png", "written-off.png"):
        assert (ARTIFACTS / png).stat().st_size > 10_000, png
    # What the browser did is what the ledger holds.
    final = (await client.get(f"/api/ledger/items/{item['id']}", headers=h)).json()
    assert final["status"] == "written_off" and final["outstanding"] == "0.00"
    updates = (await client.get(f"/api/ledger/items/{item['id']}/weekly-updates", headers=h)).json()
    assert len(updates) == 1
    repayments = (await client.get(f"/api/ledger/items/{item['id']}/repayments", headers=h)).json()
    assert [(r["status"], r["evidence_count"]) for r in repayments] == [("verified", 1)]
