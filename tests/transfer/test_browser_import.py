"""Issue 11, acceptance 5 (the wizard's half): a file imported through the wizard in Chromium,
an error seen per cell, fixed, confirmed. Screenshots: test-artifacts/import-dry-run.png and
import-done.png."""

from __future__ import annotations

import asyncio

import pytest

from tests.test_browser import ARTIFACTS, FRONTEND, run_node, spa_server  # noqa: F401  (the fixture)
from tests.transfer.helpers import build_xlsx, row_for
from tests.world import PASSWORD, bearer, login

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
