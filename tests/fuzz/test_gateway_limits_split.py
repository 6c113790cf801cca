"""Split mode's gateway (deploy/nginx template, rendered by qqctl) answers what it refuses before
any service sees it as problem+json: a 100 KB query string → 414 (issue 14), a body over
client_max_body_size → 413 (issue 9, finding 7). Neither reaches an upstream, so nginx runs here
in front of nothing."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from qqctl import nginx
from tests.fuzz.test_contract_honesty import _raw_get
from tests.support import procs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]


@pytest.fixture(scope="module")
def bare_nginx(tmp_path_factory):
    work = tmp_path_factory.mktemp("nginx-limits")
    listen, dead = procs.free_port(), procs.free_port()
    spa = work / "spa"
    spa.mkdir()
    (spa / "index.html").write_text("<!doctype html><title>清欠</title>", encoding="utf-8")
    upstreams = {key: f"127.0.0.1:{dead}" for key in ("ledger", "complaint", "notify")}
    conf = work / "nginx.conf"
    conf.write_text(nginx.render(listen=listen, upstreams=upstreams, spa_root=spa, prefix_dir=work / "nginx"))
    binary = procs.nginx_binary()
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(work / "nginx")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(work / "nginx"), "-g", "daemon off;"])
    try:
        procs.wait_http(f"http://127.0.0.1:{listen}/", proc=proc)
        yield f"http://127.0.0.1:{listen}"
    finally:
        procs.stop([proc])


def test_long_query_string_is_a_problem_414(bare_nginx):
    status, headers, body = _raw_get(bare_nginx, "/api/ledger/items?q=" + "a" * 100_000)
    assert status == 414, body
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["code"] == "uri_too_long" and problem["request_id"]


def test_oversized_body_is_a_problem_413_before_it_is_sent(bare_nginx):
    host, port = bare_nginx.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        # Headers only: nginx must answer from Content-Length without waiting for 30 MB.
        sock.sendall(
            f"POST /api/ledger/items/x/evidence HTTP/1.1\r\nHost: {host}\r\nContent-Length: {30 * 1024 * 1024}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split()[1] == b"413", head
    assert b"application/problem+json" in head
    assert json.loads(body)["code"] == "payload_too_large"
