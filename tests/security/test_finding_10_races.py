"""Issue 9, finding 10: races answered 500. An IntegrityError or a StaleDataError is now a 409
problem+json naming the conflict (qq_kernel.problems); `If-Match: *` is refused where a version is
required (428); an API token that cannot be introspected because ledger-api is down is a 503
problem+json with Retry-After instead of a 500 (qq_kernel.auth.remote)."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger_api.ledger.models import ArrearsItem
from ledger_api.main import MIGRATIONS_DIR
from qq_kernel.app import create_service_app
from qq_kernel.auth.permissions import PUBLIC
from qq_kernel.db import get_session
from qqctl.services import SERVICES
from tests.conftest import service_settings
from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt
from tests.support.procs import free_port

LEDGER = next(s for s in SERVICES if s.key == "ledger")
COMPLAINT = next(s for s in SERVICES if s.key == "complaint")


def _race_app(platform_db):
    """A service app of the kernel factory over the real ledger database, with two routes that
    lose a race the way a real one would: the database refuses the row, or the version moved."""
    router = APIRouter()

    @router.post("/duplicate-region", dependencies=[PUBLIC])
    async def duplicate_region(session: AsyncSession = Depends(get_session)) -> None:
        region = (await session.execute(text("SELECT id, code, name, level, path FROM ledger.region LIMIT 1"))).one()
        # What a concurrent create of the same code does once both passed the service's own check.
        insert = "INSERT INTO ledger.region (id, code, name, level, path, version) VALUES (:i, :c, :n, :l, :p, 1)"
        values = {"i": str(uuid.uuid4()), "c": region.code, "n": region.name, "l": region.level, "p": region.path}
        await session.execute(text(insert), values)

    @router.post("/stale/{item_id}", dependencies=[PUBLIC])
    async def stale(item_id: str, session: AsyncSession = Depends(get_session)) -> None:
        item = await session.get(ArrearsItem, item_id)
        # Another writer commits a new version after our read.
        bump = "UPDATE ledger.arrears_item SET version = version + 1 WHERE id = :i"
        await session.execute(text(bump), {"i": item_id})
        item.contract_name = item.contract_name + "（改）"
        await session.flush()

    return create_service_app(
        settings=service_settings(platform_db, LEDGER),
        title="race",
        description="race",
        prefix="/race",
        migrations_dir=MIGRATIONS_DIR,
        routers=[router],
        make_authenticator=lambda app: None,
    )


async def test_integrity_error_and_stale_data_are_409(platform_db, client, actors):
    item = await make_debt(client, actors.h, actors.world)
    app = _race_app(platform_db)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        race = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://race.test")
        )
        body = assert_problem(await race.post("/race/duplicate-region"), 409)
        assert body["code"] == "integrity_conflict" and body["constraint"]
        body = assert_problem(await race.post(f"/race/stale/{item['id']}"), 409)
        assert body["code"] == "concurrent_update"


async def test_if_match_star_is_refused(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.patch(
        f"/api/ledger/items/{item['id']}", json={"contract_name": "改名的合同"}, headers={**actors.h, "If-Match": "*"}
    )
    body = assert_problem(r, 428)
    assert r.headers["etag"] == f'W/"{item["version"]}"' and "*" in body["detail"]
    after = (await client.get(f"/api/ledger/items/{item['id']}", headers=actors.h)).json()
    assert after["contract_name"] == item["contract_name"], "nothing written"


async def test_api_token_introspection_with_ledger_down_is_503(platform_db):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = service_settings(platform_db, COMPLAINT).model_copy(update={"gateway_url": dead})
    app = COMPLAINT.create_app(settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://complaint.test")
        )
        r = await http.get("/api/complaints/whoami", headers={"Authorization": "Bearer qq_not_a_jwt_token"})
    body = assert_problem(r, 503)
    assert body["code"] == "identity_unavailable" and r.headers["retry-after"] == "5"
