"""Extra ledger-api and notify-api replicas for the outbox tests: each its own app (own engine,
relay or fan-out, own HTTP client) on the shared test database. Their calls to notify-api go over
a network that can play "notify-api is down" (connections refused) and otherwise spreads requests
over the notify-api replicas in turn; everything else passes through the in-process gateway. The
network is what fails, not a stand-in for notify-api."""

from __future__ import annotations

import itertools
from contextlib import AsyncExitStack

import httpx

from qqctl.services import by_key
from tests.conftest import service_settings


class NotifyNetwork(httpx.AsyncBaseTransport):
    def __init__(self, gateway) -> None:
        self.gateway = gateway
        self.notify_apps: list = []
        self.notify_down = False
        self.refused = 0
        self._turn = itertools.count()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/notify/"):
            if self.notify_down:
                self.refused += 1
                raise httpx.ConnectError("connection refused (notify-api is down)", request=request)
            if self.notify_apps:
                app = self.notify_apps[next(self._turn) % len(self.notify_apps)]
                return await httpx.ASGITransport(app=app).handle_async_request(request)
        return await httpx.ASGITransport(app=self.gateway).handle_async_request(request)


class Replicas:
    def __init__(self, platform_db, gateway, *, ledger: int = 1, notify: int = 1, **notify_settings) -> None:
        self.network = NotifyNetwork(gateway)
        small = {"db_pool_size": 3, "db_max_overflow": 2}
        self.ledger_apps = [
            by_key("ledger").create_app(
                service_settings(platform_db, by_key("ledger"), **small), http_transport=self.network
            )
            for _ in range(ledger)
        ]
        self.notify_apps = [
            by_key("notify").create_app(
                service_settings(platform_db, by_key("notify"), **small, **notify_settings), http_transport=self.network
            )
            for _ in range(notify)
        ]
        self.network.notify_apps = self.notify_apps
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Replicas:
        for app in [*self.ledger_apps, *self.notify_apps]:
            await self._stack.enter_async_context(app.router.lifespan_context(app))
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    @property
    def relays(self):
        return [app.state.outbox_relay for app in self.ledger_apps]
