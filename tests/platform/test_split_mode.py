"""Acceptance 3 of the foundation: split mode. Each service its own uvicorn process (ledger-api
with two replicas), nginx from Debian in front, every service called through nginx."""

from __future__ import annotations

import json
import subprocess
import time

import httpx
import pytest

from qqctl import nginx
from qqctl.services import SERVICES
from tests.support import procs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]


@pytest.fixture(scope="module")
def split_gateway(platform_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("split")
    started: list[subprocess.Popen] = []
    upstreams: dict[str, str] = {}
    try:
        for spec in SERVICES:
            replicas = 2 if spec.key == "ledger" else 1
            addresses = []
            for n in range(replicas):
                port = procs.free_port()
                db = platform_db.databases[spec.key]
                env = {
                    f"{spec.env_prefix}DATABASE_URL": db.runtime_url,
                    **platform_db.credentials.env_for(spec),
                    f"{spec.env_prefix}ENVIRONMENT": "test",
                    f"{spec.env_prefix}TRUST_PROXY_HEADERS": "true",
                    f"{spec.env_prefix}SCHEDULED_JOBS": "false",
                }
                proc = procs.start_uvicorn(spec.factory_path, port, env, work / f"{spec.key}-{n}.log")
                started.append(proc)
                procs.wait_http(f"http://127.0.0.1:{port}{spec.prefix}/healthz", proc=proc)
                addresses.append(f"127.0.0.1:{port}")
            upstreams[spec.key] = ",".join(addresses)
        listen = procs.free_port()
        spa = work / "spa"
        spa.mkdir()
        (spa / "index.html").write_text("<!doctype html><title>清欠</title><div id=app></div>", encoding="utf-8")
        conf = work / "nginx.conf"
        conf.write_text(nginx.render(listen=listen, upstreams=upstreams, spa_root=spa, prefix_dir=work / "nginx"))
        binary = procs.nginx_binary()
        check = subprocess.run(
            [binary, "-t", "-c", str(conf), "-p", str(work / "nginx")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        gateway = subprocess.Popen([binary, "-c", str(conf), "-p", str(work / "nginx"), "-g", "daemon off;"])
        started.append(gateway)
        base = f"http://127.0.0.1:{listen}"
        procs.wait_http(f"{base}/api/ledger/healthz", proc=gateway)
        yield base, work
    finally:
        procs.stop(started)


@pytest.mark.parametrize("prefix", [s.prefix for s in SERVICES])
def test_every_service_answers_through_nginx(split_gateway, prefix):
    base, _ = split_gateway
    for path in ("healthz", "readyz", "openapi.json"):
        # The first openapi.json of a replica renders the whole contract: a loaded CI machine needs more than 5 s.
        r = httpx.get(f"{base}{prefix}/{path}", timeout=30)
        assert r.status_code == 200, (path, r.text)


def test_request_id_crosses_nginx_and_reaches_the_service_log(split_gateway):
    base, work = split_gateway
    r = httpx.get(f"{base}/api/complaints/nope", headers={"X-Request-ID": "split-trace-42"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-request-id"] == "split-trace-42" == r.json()["request_id"]
    # The access line is written once the response has gone out: give the process a moment.
    deadline = time.monotonic() + 10
    while True:
        service_log = (work / "complaint-0.log").read_text(encoding="utf-8")
        lines = [json.loads(line) for line in service_log.splitlines() if "split-trace-42" in line]
        if any(line["request_id"] == "split-trace-42" and line["status"] == 404 for line in lines):
            break
        assert time.monotonic() < deadline, service_log[-2000:]
        time.sleep(0.1)
    # nginx mints an id when the caller sends none, and the service echoes it.
    r = httpx.post(f"{base}/api/notify/healthz")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert len(r.headers["x-request-id"]) == 32
    deadline = time.monotonic() + 10
    while r.headers["x-request-id"] not in (work / "nginx" / "access.log").read_text():
        assert time.monotonic() < deadline, "nginx logs the id it minted"
        time.sleep(0.1)


def test_unknown_api_and_spa_fallback(split_gateway):
    base, _ = split_gateway
    r = httpx.get(f"{base}/api/unknown/thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found" and r.headers["x-request-id"]
    r = httpx.get(f"{base}/api/ledger/metrics")
    assert r.status_code == 404, "metrics are scraped from replicas, not published through the gateway"
    r = httpx.get(f"{base}/ledger/items/some-deep-link")
    assert r.status_code == 200 and "清欠" in r.text


def test_requests_spread_over_ledger_replicas(split_gateway):
    base, work = split_gateway
    for _ in range(20):
        assert httpx.get(f"{base}/api/ledger/healthz").status_code == 200
    upstreams = {
        line.split('"upstream":"')[1].split('"')[0]
        for line in (work / "nginx" / "access.log").read_text().splitlines()
        if "/api/ledger/healthz" in line
    }
    assert len(upstreams) >= 2, upstreams
