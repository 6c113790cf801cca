from tests.transfer.helpers import build_xlsx, confirm, dry_run, row_for
from tests.world import bearer, login


async def test_smoke(client, worlds, world):
    office = await worlds.user(world, roles=["office_admin"], unit=world.office)
    h = bearer((await login(client, office.username, ip=world.client_ip))["access_token"])
    r = await client.get("/api/ledger/transfer/template", headers=h)
    assert r.status_code == 200, r.text
    content = build_xlsx([row_for(world), row_for(world, funding_1_source="预算资金", funding_1_amount="1000")])
    job, rows = await dry_run(client, h, content)
    print(job, rows)
    assert job["status"] == "validated"
    job = await confirm(client, h, job["id"])
    print(job)
    assert job["status"] == "done"
    job, rows = await dry_run(client, h, content)
    print(job)
    assert job["counts"]["unchanged"] == 2
    r = await client.get("/api/ledger/transfer/export", headers=h)
    assert r.status_code == 200
    job, rows = await dry_run(client, h, r.content)
    print(job, rows[:3])
    assert job["counts"]["unchanged"] == 2
