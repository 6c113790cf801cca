"""Issue 11, the dashboard in real Chromium: the office's home page shows the county's figures, a
click on a unit's bar lands on the ledger list filtered to that unit, and verifying a repayment
changes the dashboard. Screenshots in test-artifacts/ (dashboard.png, dashboard-drill.png,
dashboard-after.png)."""

from __future__ import annotations

import asyncio

import pytest

from tests.platform.test_browser import ARTIFACTS, run_node, spa_server  # noqa: F401 - the fixture
from tests.support.flag_scenarios import day
from tests.support.ledger_helpers import make_debt, report_with_receipt
from tests.support.world import PASSWORD, bearer, login

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]


async def test_dashboard_drill_down_and_change(spa_server, client, worlds, world):  # noqa: F811
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    operator_a = await worlds.user(world, roles=["unit_operator"], unit=world.unit_a)
    operator_b = await worlds.user(world, roles=["unit_operator"], unit=world.unit_b)
    ha = bearer((await login(client, operator_a.username, ip=world.client_ip))["access_token"])
    hb = bearer((await login(client, operator_b.username, ip=world.client_ip))["access_token"])
    ho = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    road = await make_debt(client, ha, world, principal="3000000.00", due_date=day(-200))
    await make_debt(client, ha, world, principal="560000.00", debtor_type="platform_company", due_date=day(-40))
    await make_debt(client, hb, world, principal="1200000.00", debtor_type="soe", unit=world.unit_b, due_date=day(15))
    await make_debt(client, hb, world, principal="86400.00", unit=world.unit_b, due_date=day(-400))
    await report_with_receipt(client, ha, road["id"], "600000.00")
    before = (await client.get("/api/ledger/reports/dashboard", headers=ho)).json()
    assert before["total"]["outstanding"] == "4846400.00"

    env = {
        "BASE_URL": spa_server,
        "QQ_OFFICE_USER": office.username,
        "QQ_OFFICE_PASSWORD": PASSWORD,
        "QQ_UNIT_ID": world.unit_a.id,
        "QQ_ITEM_LEDGER_NO": road["ledger_no"],
        "QQ_EXPECT_OUTSTANDING": "4846400.00",
        "QQ_REPAYMENT": "600000.00",
    }
    result = await asyncio.to_thread(run_node, "e2e/dashboard.mjs", env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for png in ("dashboard.png", "dashboard-drill.png", "dashboard-after.png"):
        assert (ARTIFACTS / png).stat().st_size > 20_000, png
    after = (await client.get("/api/ledger/reports/dashboard", headers=ho)).json()
    assert after["total"]["outstanding"] == "4246400.00"
    assert after["total"]["verified_repaid"] == "600000.00"
