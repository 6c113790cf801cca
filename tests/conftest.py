"""Test harness.

One database per test session (per xdist worker), migrated once. Tests do not reset it: each test
builds its own slice of the world (its own region, units and users, named uniquely), and data
scope keeps slices apart, the way separate counties share one deployment. That keeps every test
independent without a costly per-test reset.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from qq_kernel import migrations
from qqctl.allinone import Gateway
from qqctl.credentials import PlatformCredentials
from qqctl.provision import ServiceDatabase, drop, provision
from qqctl.services import SERVICES
from tests.support import dbserver


@dataclass
class TestPlatform:
    admin_url: str
    database: str
    databases: dict[str, ServiceDatabase]
    credentials: PlatformCredentials

    def client_secret(self, service: str) -> str:
        return self.credentials.client_secrets[service]


@pytest.fixture(scope="session")
def admin_url() -> str:
    return dbserver.admin_url()


@pytest.fixture(scope="session")
async def platform_db(admin_url: str) -> AsyncIterator[TestPlatform]:
    admin = admin_url
    await dbserver.drop_stale(admin)
    name = dbserver.unique_name()
    dbs = await provision(admin, name)
    try:
        for spec in SERVICES:
            migrations.upgrade(spec.migrations_dir, dbs[spec.key].owner_url, spec.key)
        yield TestPlatform(admin, name, dbs, PlatformCredentials.generate())
    finally:
        await drop(admin, name)


def service_settings(platform: TestPlatform, spec, **overrides):
    db = platform.databases[spec.key]
    return spec.settings_cls(
        database_url=db.runtime_url,
        migration_database_url=db.owner_url,
        gateway_url="http://gateway.test",
        **platform.credentials.settings_for(spec),
        environment="test",
        trust_proxy_headers=True,  # tests choose their client address (lockout and IP limits)
        scheduled_jobs=False,  # tests run jobs themselves, on the day they choose
        **overrides,
    )


@pytest.fixture(scope="session")
async def gateway(platform_db: TestPlatform) -> AsyncIterator[Gateway]:
    """The all-in-one gateway over the three apps, in process. Services reach each other through
    it over httpx's ASGI transport: real HTTP semantics, no sockets."""
    holder: dict[str, Gateway] = {}

    class LateTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await httpx.ASGITransport(app=holder["gw"]).handle_async_request(request)

    apps = {
        spec.prefix: spec.create_app(service_settings(platform_db, spec), http_transport=LateTransport())
        for spec in SERVICES
    }
    gw = Gateway(apps, spa_dir=None)
    holder["gw"] = gw
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield gw


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        yield c


@pytest.fixture(scope="session")
async def worlds(platform_db: TestPlatform, gateway) -> AsyncIterator:
    from tests.support.world import WorldFactory

    factory = WorldFactory(platform_db.databases["ledger"].runtime_url)
    factory.client_secrets = platform_db.credentials.client_secrets  # for tests acting as a service (service_headers)
    yield factory
    await factory.close()


@pytest.fixture
async def world(worlds):
    return await worlds.create()
