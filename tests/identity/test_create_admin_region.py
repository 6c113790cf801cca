"""Issue 15: `qqctl create-admin` on a deployment of another county (QQ_REGION_TREE set) creates
the administrator in that county's office, not in the placeholder 海澄县."""

from __future__ import annotations

from sqlalchemy import select


async def test_create_admin_uses_the_deployments_region_tree(admin_url, monkeypatch):
    from ledger_api.identity.models import Unit, User
    from qq_kernel import migrations
    from qqctl import bootstrap as qqctl_bootstrap
    from qqctl.provision import drop, provision
    from qqctl.services import by_key
    from tests.support import dbserver
    from tests.support.world import WorldFactory

    name = dbserver.unique_name()
    dbs = await provision(admin_url, name)
    try:
        spec = by_key("ledger")
        migrations.upgrade(spec.migrations_dir, dbs["ledger"].owner_url, "ledger")
        monkeypatch.setenv("QQ_REGION_TREE", "44:广东省/4408:湛江市/440825:徐闻县")
        password = await qqctl_bootstrap.create_admin(
            dbs["ledger"].runtime_url, username="xuwen_admin", roles=["office_admin"]
        )
        assert len(password) >= 12
        factory = WorldFactory(dbs["ledger"].runtime_url)
        async with factory.sessions() as s:
            user = await s.scalar(select(User).where(User.username == "xuwen_admin"))
            unit = await s.get(Unit, user.unit_id)
        await factory.close()
        assert user.region_path == "/44/4408/440825/"
        assert unit.region_path == "/44/4408/440825/"
    finally:
        await drop(admin_url, name)
