"""One pure-ASGI middleware per service: request id in and out, one JSON access-log line per
request, Prometheus timings, and a problem+json 500 for anything unhandled (so even a crash
carries the request id)."""

from __future__ import annotations

import json
import logging
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qq_kernel.metrics import ServiceMetrics
from qq_kernel.problems import PROBLEM_JSON, problem_response
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


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse a request body over the limit before it is read (413 problem+json): at once from
    Content-Length, or as soon as a streamed (chunked) body passes it. Multipart uploads get
    ``upload_limit`` (the evidence cap plus room for the form), every other body ``body_limit``.
    Without it the multipart parser would spool any size to disk before a route could say no."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_limit: int,
        upload_limit: int,
        bulk_limit: int = 0,
        bulk_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.body_limit = body_limit
        self.upload_limit = upload_limit
        # Bulk endpoints (10,000 items in one JSON body) get their own, larger limit.
        self.bulk_limit = bulk_limit
        self.bulk_prefixes = bulk_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.upload_limit if multipart else self.body_limit
        if self.bulk_prefixes and scope.get("path", "").startswith(self.bulk_prefixes):
            limit = max(limit, self.bulk_limit)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        mb = 1024 * 1024
        detail = f"请求体超过 {limit // mb} MB 上限" if limit >= mb else f"请求体超过 {limit} 字节上限"
        response = problem_response(Request(scope), 413, code="payload_too_large", detail=detail)
        # The rest of the body is not read: close the connection rather than drain it.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
