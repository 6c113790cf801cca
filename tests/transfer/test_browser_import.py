"""Issue 11, acceptance 5 (the wizard's half): a file imported through the wizard in Chromium,
an error seen per cell, fixed, confirmed. Screenshots: test-artifacts/import-dry-run.png and
import-done.png."""

from __future__ import annotations

import asyncio

import pytest

from tests.platform.test_browser import ARTIFACTS, FRONTEND, run_node, spa_server  # noqa: F401  (the fixture)
from tests.support.world import PASSWORD, bearer, login
from tests.transfer.helpers import build_xlsx, row_for

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]


async def test_import_wizard_in_the_browser(spa_server, client, worlds, world, tmp_path):  # noqa: F811
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    rows = [row_for(world), row_for(world), row_for(world)]
    broken = [dict(r) for r in rows]
    code = broken[1]["debtor_uscc"]
    broken[1]["debtor_uscc"] = code[:17] + ("0" if code[17] != "0" else "1")  # a wrong check character
    bad, good = tmp_path / "台账-有错.xlsx", tmp_path / "台账-已改.xlsx"
    bad.write_bytes(build_xlsx(broken, title_rows=2, merged_title=True))
    good.write_bytes(build_xlsx(rows, title_rows=2, merged_title=True))
    env = {
        "BASE_URL": spa_server,
        "QQ_USER": office.username,
        "QQ_PASSWORD": PASSWORD,
        "QQ_BAD_FILE": str(bad),
        "QQ_GOOD_FILE": str(good),
    }
    result = await asyncio.to_thread(run_node, "e2e/import.mjs", env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for png in ("import-dry-run.png", "import-done.png"):
        assert (ARTIFACTS / png).stat().st_size > 10_000, png
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    items = (await client.get("/api/ledger/items", params={"region": world.county.path}, headers=h)).json()
    assert sorted(i["contract_name"] for i in items["items"]) == sorted(r["contract_name"] for r in rows)
    assert FRONTEND.exists()


async def test_push_items_example_script_with_an_api_token(spa_server, client, worlds, world, tmp_path):  # noqa: F811
    """examples/push_items.py over real HTTP: pushes a CSV with an API token; run again, the same
    batches (same keys) are answered from the first run and nothing is written twice."""
    import csv
    import subprocess
    import sys

    from tests.support.ledger_helpers import uscc

    operator = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    h = bearer((await login(client, operator.username, ip=world.client_ip))["access_token"])
    r = await client.post(
        "/api/ledger/tokens",
        json={"name": "台账推送脚本", "scopes": ["ledger:read", "ledger:write"], "expires_in_days": 1},
        headers=h,
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    path = tmp_path / "items.csv"
    fields = [
        "debtor_name",
        "debtor_uscc",
        "debtor_type",
        "creditor_name",
        "creditor_uscc",
        "creditor_size",
        "contract_name",
        "procurement_type",
        "principal",
        "due_date",
        "responsible_unit_id",
        "disputed",
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        for k in range(3):
            writer.writerow(
                [
                    f"{world.county.name}水务局",
                    uscc() if k == 0 else "",
                    "government_agency",
                    f"海澄供水设备有限公司{k}",
                    uscc(),
                    "small",
                    f"管网改造{k}",
                    "works",
                    "8800.00",
                    "2025-09-30",
                    world.unit_a.id,
                    "false",
                ]
            )
    # rows 2 and 3 lack the debtor's credit code: refused, with the CSV line
    script = [sys.executable, str(ARTIFACTS.parent / "examples" / "push_items.py"), str(path), "--base-url", spa_server]
    env = {"QQ_API_TOKEN": token, "PATH": "/usr/bin:/bin"}
    first = await asyncio.to_thread(subprocess.run, script, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "line 3: debtor_uscc: 必填项" in first.stdout
    assert first.stdout.strip().endswith("3 rows: 1 were created, 0 updated, 0 unchanged, 2 refused")
    again = await asyncio.to_thread(subprocess.run, script, env=env, capture_output=True, text=True, timeout=120)
    assert again.stdout == first.stdout  # the replayed first answer
    items = (await client.get("/api/ledger/items", params={"unit_id": world.unit_a.id}, headers=h)).json()
    assert [i["contract_name"] for i in items["items"]] == ["管网改造0"]
