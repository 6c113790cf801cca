"""A real HTTP receiver on a free local port (uvicorn, in the test's event loop) standing in for
the complaint platform's callback endpoint: it records what arrives and answers 2xx, or a chosen
status for the next N requests. Stopped, its port refuses connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field

import uvicorn

from tests.support.procs import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/qq/callbacks"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 200
        if self.fail_next > 0:
            self.fail_next -= 1
            status = self.fail_status
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"not now"})

    async def start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(1000):  # up to 10 s
            if self._server.started:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError("the receiver did not start")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._server = self._task = None

    @property
    def acknowledged(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]
