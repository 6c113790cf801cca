"""Review E: the split-mode gateway writes its own problem+json bodies (404 outside the services,
413/414/431/503). The caller's X-Request-ID goes into them only if it is a plain token
(``^[A-Za-z0-9._:-]{1,128}$``), else nginx mints one; the decoded path is not echoed. Whatever the
client sends, the body parses as JSON. Real Debian nginx, rendered template, no upstream."""

from __future__ import annotations

import json
import socket

import pytest

from tests.fuzz.test_gateway_limits_split import bare_nginx  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]

HOSTILE_IDS = [
    'x","code":"hijacked',
    "a\\",
    "<script>alert(1)</script>",
    "id with spaces",
    "a" * 129,
    "中文编号",
]


def _get(base: str, target: str, request_id: str | None) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    extra = f"X-Request-ID: {request_id}\r\n" if request_id is not None else ""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("request_id", HOSTILE_IDS)
def test_hostile_request_id_is_replaced_and_body_parses(bare_nginx, request_id):  # noqa: F811
    status, headers, body = _get(bare_nginx, "/api/nowhere", request_id)
    assert status == 404, body
    problem = json.loads(body)
    assert problem["code"] == "not_found"
    assert problem["request_id"] != request_id
    assert len(problem["request_id"]) == 32  # nginx's own $request_id
    assert headers["x-request-id"] == problem["request_id"]


def test_hostile_request_id_on_an_error_page_body(bare_nginx):  # noqa: F811
    status, _headers, body = _get(bare_nginx, "/api/ledger/items?q=" + "a" * 100_000, 'x"}')
    assert status == 414, body
    assert json.loads(body)["code"] == "uri_too_long"


def test_plain_request_id_is_kept(bare_nginx):  # noqa: F811
    status, headers, body = _get(bare_nginx, "/api/nowhere", "req-1.2:abc_DEF")
    assert status == 404, body
    assert json.loads(body)["request_id"] == "req-1.2:abc_DEF"
    assert headers["x-request-id"] == "req-1.2:abc_DEF"


def test_quote_in_the_path_is_not_echoed_into_the_body(bare_nginx):  # noqa: F811
    for target in ("/api/no%22where%5C", "/api/%22%7D%0A"):
        status, _headers, body = _get(bare_nginx, target, None)
        assert status == 404, (target, body)
        assert json.loads(body)["code"] == "not_found"
