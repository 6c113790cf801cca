"""Issue 14, contract honesty: a body that cannot be parsed is a 422 problem+json on every service
(never Starlette's undeclared 400); binary downloads are declared as what they are; an empty upload
is a 422 naming `file`; an over-long query string is answered by the gateway with problem+json 414
(the all-in-one uvicorn protocol here; nginx in tests/fuzz/test_gateway_limits_split.py)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from qq_kernel.files import FileKind
from tests.fuzz.allinone_server import allinone_server
from tests.fuzz.conftest import assert_problem
from tests.support.ledger_helpers import make_debt

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


@pytest.mark.parametrize(
    "body",
    [b'{"name": "\xff\xfe"}', b"[" * 10_000 + b"]" * 10_000, b'{"name": ' + b"[" * 40 + b"]" * 40 + b"}"],
    ids=["invalid-utf8", "nested-10000", "nested-40"],
)
@pytest.mark.parametrize("path", ["/api/ledger/creditors", "/api/complaints/healthz", "/api/notify/healthz"])
async def test_unparseable_body_is_a_422_on_every_service(client, actors, body, path):
    r = await client.post(path, content=body, headers={**actors.h, "Content-Type": "application/json"})
    assert_problem(r, 422, "body")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        # Cut off before its closing boundary: the form holds no file.
        (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF", "file", "missing"),
        # What schemathesis sent (Starlette: "Invalid multipart data."): a part without headers.
        (b"--x\r\n[{'\xc3\x9f': 7}, None]--x--\r\n", "body", "body_invalid"),
    ],
    ids=["truncated", "part-without-headers"],
)
async def test_broken_multipart_is_a_422(client, actors, body, field, code):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/evidence",
        content=body,
        headers={**actors.h, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert_problem(r, 422, field, code)


def test_no_operation_of_any_service_answers_an_undeclared_400():
    for contract in CONTRACTS.glob("*.openapi.json"):
        for path, operations in json.loads(contract.read_text())["paths"].items():
            for method, op in operations.items():
                assert "400" not in op["responses"], (contract.name, method, path)


def test_binary_downloads_are_declared():
    paths = json.loads((CONTRACTS / "ledger.openapi.json").read_text())["paths"]
    evidence = paths["/api/ledger/items/{item_id}/evidence/{evidence_id}/content"]["get"]["responses"]["200"]
    assert set(evidence["content"]) == {kind.media_type for kind in FileKind}
    notice = paths["/api/ledger/items/{item_id}/notices/{notice_id}/document"]["get"]["responses"]["200"]
    assert notice["content"] == {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
            "schema": {"type": "string", "format": "binary"}
        }
    }


async def test_empty_upload_is_a_422_naming_file(client, actors):
    item = await make_debt(client, actors.h, actors.world)
    r = await client.post(
        f"/api/ledger/items/{item['id']}/evidence",
        files={"file": ("回单.pdf", b"", "application/pdf")},
        data={"purpose": "receipt"},
        headers=actors.h,
    )
    assert_problem(r, 422, "file", "empty")


async def test_long_query_string_in_process_gateway(client, actors):
    r = await client.get("/api/ledger/items", params={"q": "a" * 20_000}, headers=actors.h)
    body = assert_problem(r, 414)
    assert body["code"] == "uri_too_long"


def _raw_get(base: str, target: str) -> tuple[int, dict, bytes]:
    """httpx refuses a URL this long itself: speak HTTP/1.1 on a socket, as a clumsy script would."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_long_query_string_allinone_over_http(platform_db, tmp_path):
    with allinone_server(platform_db, tmp_path) as base:
        for size in (20_000, 100_000):
            status, headers, body = _raw_get(base, "/api/ledger/items?q=" + "a" * size)
            assert status == 414, (size, body)
            assert headers["content-type"].startswith("application/problem+json")
            assert json.loads(body)["code"] == "uri_too_long"
