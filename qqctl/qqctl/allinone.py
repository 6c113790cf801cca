"""All-in-one mode: one ASGI app that dispatches ``/api/<service>/...`` to the three service
apps (unchanged paths, exactly as nginx does in split mode) and serves the built SPA at ``/``.

The services still call each other over HTTP (loopback), never through Python imports.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from qq_kernel.problems import PROBLEM_JSON
from qq_kernel.request_id import REQUEST_ID_HEADER, accept_or_generate
from qqctl.headers import HSTS, SECURITY_HEADERS

_SECURITY = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS]
_HSTS = (HSTS[0].lower().encode(), HSTS[1].encode())

LOOPBACK = ("127.0.0.1", "::1")
# As nginx in split mode (large_client_header_buffers 8k): a request target longer than this is
# answered 414 problem+json. No list filter comes near it.
MAX_TARGET_BYTES = 8 * 1024
# One more limit before the app: the request body, as nginx's client_max_body_size.
MAX_BODY_BYTES = 25 * 1024 * 1024
SPA_MISSING = """<!doctype html><meta charset="utf-8"><title>清欠平台</title>
<p>前端尚未构建：请运行 <code>make run</code>（会自动构建）或 <code>make frontend</code>。</p>"""


class SpaFiles(StaticFiles):
    """Static files with history-mode fallback: unknown paths without a file extension get index.html."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code == 404 and "." not in path.rsplit("/", 1)[-1]:
                return FileResponse(Path(self.directory) / "index.html")
            # A missing asset (/favicon.ico, an old bundle name) is a plain 404, as nginx answers.
            return PlainTextResponse("Not Found", status_code=exc.status_code)


class Gateway:
    def __init__(self, services: dict[str, ASGIApp], spa_dir: Path | None) -> None:
        # Longest prefix first so /api/ledger never swallows /api/ledgerx.
        self.services = sorted(services.items(), key=lambda kv: -len(kv[0]))
        index = spa_dir / "index.html" if spa_dir else None
        self.spa: ASGIApp = (
            SpaFiles(directory=spa_dir, html=True) if index and index.exists() else HTMLResponse(SPA_MISSING)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http":
            send = self._with_security_headers(scope, send)
        path = scope.get("path", "")
        if scope["type"] == "http":
            target = len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string", b""))
            if target > MAX_TARGET_BYTES:
                detail = f"请求地址超过 {MAX_TARGET_BYTES} 字节"
                await _problem(scope, send, 414, "uri_too_long", "请求地址过长", detail)
                return
            length = dict(scope.get("headers", [])).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                await _problem(
                    scope, send, 413, "payload_too_large", "上传内容过大", f"请求体超过 {MAX_BODY_BYTES // 2**20} MB"
                )
                return
        if path.startswith("/api/") and path.endswith("/metrics") and (scope.get("client") or ("",))[0] not in LOOPBACK:
            # As nginx in split mode: metrics are for a local scraper, not published to the network.
            await self._unknown_api(scope, send)
            return
        for prefix, app in self.services:
            if path == prefix or path.startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        if path.startswith("/api/"):
            await self._unknown_api(scope, send)
            return
        await self.spa(scope, receive, send)

    @staticmethod
    def _with_security_headers(scope: Scope, send: Send) -> Send:
        """The same headers nginx adds in split mode, on every answer; HSTS only over TLS."""
        extra = [*_SECURITY, _HSTS] if scope.get("scheme") == "https" else _SECURITY

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *(h for h in extra if h[0] not in present)],
                }
            await send(message)

        return send_with_headers

    async def _unknown_api(self, scope: Scope, send: Send) -> None:
        detail = f"路径 {scope.get('path')} 不属于任何服务"
        await _problem(scope, send, 404, "not_found", "请求的资源不存在", detail)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Run every service's own lifespan (engine, HTTP client, ...) inside ours."""
        stack = AsyncExitStack()
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            for _, app in self.services:
                await stack.enter_async_context(app.router.lifespan_context(app))
        except BaseException as exc:
            await stack.aclose()
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            raise
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await stack.aclose()
        await send({"type": "lifespan.shutdown.complete"})


def _problem_bytes(status: int, code: str, title: str, detail: str, instance: str | None, rid: str) -> bytes:
    return json.dumps(
        {
            "type": f"urn:qingqian:problem:{code}",
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
            "instance": instance,
            "request_id": rid,
        },
        ensure_ascii=False,
    ).encode()


async def _problem(scope: Scope, send: Send, status: int, code: str, title: str, detail: str) -> None:
    incoming = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER.lower().encode())
    rid = accept_or_generate(incoming.decode("latin-1") if incoming else None)
    path = scope.get("path")
    body = _problem_bytes(status, code, title, detail, path if status != 414 else None, rid)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.lower().encode(), rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, answering what its parser refuses before any app runs (a
    request line over 64 KB, a malformed request) with problem+json instead of a text/plain 400:
    414 when the request target was too long, 400 otherwise. ``uvicorn.run(..., http=this)``."""

    def send_400_response(self, msg: str) -> None:
        too_long = len(getattr(self, "url", b"")) > MAX_TARGET_BYTES
        status, code, title, detail = (
            (414, "uri_too_long", "请求地址过长", f"请求地址超过 {MAX_TARGET_BYTES} 字节")
            if too_long
            else (400, "bad_request", "请求有误", "无法解析的 HTTP 请求")
        )
        rid = accept_or_generate(None)
        body = _problem_bytes(status, code, title, detail, None, rid)
        reason = b"URI Too Long" if too_long else b"Bad Request"
        head = [f"HTTP/1.1 {status} ".encode() + reason + b"\r\n"]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend(
            [
                b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                REQUEST_ID_HEADER.lower().encode() + b": " + rid.encode() + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(head))
        self.transport.close()
