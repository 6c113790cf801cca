"""One pure-ASGI middleware per service: request id in and out, one JSON access-log line per
request, Prometheus timings, and a problem+json 500 for anything unhandled (so even a crash
carries the request id)."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qq_kernel.metrics import ServiceMetrics
from qq_kernel.problems import PROBLEM_JSON
from qq_kernel.request_id import REQUEST_ID_HEADER, accept_or_generate, reset_request_id, set_request_id

access_log = logging.getLogger("qq.access")
error_log = logging.getLogger("qq.error")
_HEADER = REQUEST_ID_HEADER.lower().encode()


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, service: str, metrics: ServiceMetrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == _HEADER), None)
        request_id = accept_or_generate(incoming)
        scope.setdefault("state", {})["request_id"] = request_id
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error", extra={"path": scope.get("path"), "service": self.service})
            if not response_started:
                status = 500
                body = json.dumps(
                    {
                        "type": "urn:qingqian:problem:internal_error",
                        "title": "服务器内部错误",
                        "status": 500,
                        "code": "internal_error",
                        "detail": "请求处理失败，已记录日志；请把请求编号告知管理员",
                        "instance": scope.get("path"),
                        "request_id": request_id,
                    },
                    ensure_ascii=False,
                ).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_with_id({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope["method"], template, status, elapsed)
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope.get("path"),
                status,
                extra={
                    "service": self.service,
                    "method": scope["method"],
                    "path": scope.get("path"),
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            reset_request_id(token)
