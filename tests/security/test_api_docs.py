"""LOW item of issue 9: API docs and openapi.json are not published in production (a setting,
``<PREFIX>API_DOCS``), while ``qqctl contracts`` still exports the contract by importing the app.
On the code before the fix a production app answered ``/api/ledger/openapi.json`` with 200."""

from __future__ import annotations

import httpx
import pytest

from qqctl.services import SERVICES

SECRET = "s" * 40


def _app(spec, **settings):
    # ledger-api in production also refuses to start without its own signing-key secret.
    own = {"signing_key_secret": SECRET} if spec.key == "ledger" else {}
    return spec.create_app(
        spec.settings_cls(database_url="postgresql://nobody@127.0.0.1:1/none", client_secret=SECRET, **own, **settings)
    )


@pytest.mark.parametrize("spec", SERVICES, ids=[s.key for s in SERVICES])
async def test_production_publishes_no_docs_but_the_contract_still_exports(spec):
    app = _app(spec, environment="production")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test") as c:
        for path in ("openapi.json", "docs"):
            r = await c.get(f"{spec.prefix}/{path}")
            assert r.status_code == 404, path
    assert f"{spec.prefix}/whoami" in app.openapi()["paths"]


async def test_docs_outside_production_and_on_request():
    spec = next(s for s in SERVICES if s.key == "ledger")
    for settings in ({"environment": "development"}, {"environment": "production", "api_docs": True}):
        app = _app(spec, **settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test") as c:
            r = await c.get(f"{spec.prefix}/openapi.json")
            assert r.status_code == 200, settings
            assert r.json()["info"]["title"] == app.title
            assert (await c.get(f"{spec.prefix}/docs")).status_code == 200
