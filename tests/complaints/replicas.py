"""Extra complaint-api replicas for outbox tests: each its own app (own engine, own relay, own
HTTP client) on the shared test database, reaching the other services through the in-process
gateway over a transport that can play "ledger-api is down" (connections refused) and then pass
through to the real ledger-api again. The network is what fails, not a stand-in for ledger-api."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx

from qqctl.services import by_key
from tests.conftest import service_settings

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)  # due_by: claim events still waiting for their backoff


class SwitchableNetwork(httpx.AsyncBaseTransport):
    def __init__(self, gateway) -> None:
        self.gateway = gateway
        self.ledger_down = False
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.ledger_down and request.url.path.startswith("/api/ledger/"):
            self.refused += 1
            raise httpx.ConnectError("connection refused (ledger-api is down)", request=request)
        return await httpx.ASGITransport(app=self.gateway).handle_async_request(request)


class Replicas:
    def __init__(self, platform_db, gateway, n: int = 2) -> None:
        self.network = SwitchableNetwork(gateway)
        spec = by_key("complaint")
        self.apps = [
            spec.create_app(
                service_settings(platform_db, spec, db_pool_size=3, db_max_overflow=2), http_transport=self.network
            )
            for _ in range(n)
        ]
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Replicas:
        for app in self.apps:
            await self._stack.enter_async_context(app.router.lifespan_context(app))
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    def client(self, n: int) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.apps[n]), base_url="http://gateway.test")

    @property
    def relays(self):
        return [app.state.outbox_relay for app in self.apps]
