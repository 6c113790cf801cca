"""Issue 9, finding 7: an upload was read (the whole multipart body parsed and spooled) before its
size was checked, and the all-in-one gateway had no limit. Now every service app refuses a body
over its limit from Content-Length before reading a byte, or as soon as a streamed body passes it
(qq_kernel.middleware.BodyLimitMiddleware, installed by create_service_app), and the gateway
refuses anything over nginx's 25 MB itself (413 problem+json in both modes; nginx:
tests/fuzz/test_gateway_limits_split.py)."""

from __future__ import annotations

import json

import pytest

from qq_kernel.files import MAX_EVIDENCE_BYTES
from qqctl.allinone import MAX_BODY_BYTES

MB = 1024 * 1024


async def _call(app, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, dict, bytes, int]:
    """Drive an ASGI app by hand: returns status, headers, body, and how many chunks it read."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("gateway.test", 80),
    }
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, read


def _app(gateway, prefix: str):
    return dict(gateway.services)[prefix]


@pytest.mark.parametrize(
    ("content_type", "length"),
    [("application/json", 2 * MB), ("multipart/form-data; boundary=x", MAX_EVIDENCE_BYTES + 2 * MB)],
)
async def test_service_refuses_by_content_length_without_reading(gateway, content_type, length):
    status, headers, body, read = await _call(
        _app(gateway, "/api/ledger"),
        "/api/ledger/items/x/evidence",
        {"content-type": content_type, "content-length": str(length)},
        [b"x" * 1024] * 4,
    )
    assert (status, read) == (413, 0)
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["code"] == "payload_too_large"


async def test_service_stops_a_streamed_body_at_the_limit(gateway):
    chunks = [b"x" * (256 * 1024)] * 16  # 4 MB, chunked (no Content-Length)
    status, _headers, body, read = await _call(
        _app(gateway, "/api/complaints"), "/api/complaints/healthz", {"content-type": "application/json"}, chunks
    )
    assert status == 413 and json.loads(body)["code"] == "payload_too_large"
    assert read == 5, "stopped at the first chunk past 1 MB"


async def test_gateway_refuses_over_nginx_limit_without_calling_a_service(gateway):
    status, headers, _body, read = await _call(
        gateway,
        "/api/ledger/items/x/evidence",
        {"content-type": "multipart/form-data; boundary=x", "content-length": str(MAX_BODY_BYTES + 1)},
        [b"x"],
    )
    assert (status, read) == (413, 0)
    assert headers["content-type"] == "application/problem+json"
