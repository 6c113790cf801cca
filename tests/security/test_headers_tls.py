"""Finding 6 of issue 9: security headers and TLS, in both gateways.

The nginx template, rendered with a self-signed certificate made here, passes ``nginx -t``,
serves HTTPS with the headers of qqctl/qqctl/headers.py (HSTS included) on the SPA and on API
answers, and its plain-HTTP port only redirects; the all-in-one Gateway adds the same headers
(HSTS only over https). The browser tests (tests/platform/test_browser.py) check that the SPA
raises no CSP violation. On the code before the fix the rendered config had no TLS parameters
(``render()`` took no ``tls_cert``) and neither gateway sent a Content-Security-Policy."""

from __future__ import annotations

import ssl
import subprocess
import time

import httpx
import pytest

from qqctl import nginx
from qqctl.headers import CONTENT_SECURITY_POLICY, HSTS, SECURITY_HEADERS
from tests.support import procs

EXPECTED = {name.lower(): value for name, value in SECURITY_HEADERS}


def _security_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers.get(name) for name in (*EXPECTED, HSTS[0].lower())}


def test_csp_forbids_inline_and_eval_scripts_and_framing():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert EXPECTED["x-frame-options"] == "DENY"
    assert EXPECTED["x-content-type-options"] == "nosniff"


@pytest.fixture
def tls_gateway(tmp_path):
    cert, key = tmp_path / "gateway.crt", tmp_path / "gateway.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    spa = tmp_path / "dist"
    spa.mkdir()
    (spa / "index.html").write_text("<!doctype html><title>清欠</title>", encoding="utf-8")
    http_port, https_port, dead = procs.free_port(), procs.free_port(), procs.free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        nginx.render(
            listen=http_port,
            upstreams={s: f"127.0.0.1:{dead}" for s in ("ledger", "complaint", "notify")},
            spa_root=spa,
            prefix_dir=tmp_path / "nginx",
            tls_cert=cert,
            tls_key=key,
            https_port=https_port,
        )
    )
    # The client trusts exactly this certificate: the test checks real verification too.
    trust = ssl.create_default_context(cafile=str(cert))
    binary = procs.nginx_binary()
    checked = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(tmp_path / "nginx")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp_path / "nginx"), "-g", "daemon off;"])
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"https://127.0.0.1:{https_port}/", verify=trust, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nginx answers over TLS"
                time.sleep(0.1)
        yield http_port, https_port, conf.read_text(), trust
    finally:
        procs.stop([proc])


def test_nginx_serves_tls_with_the_security_headers_and_redirects_plain_http(tls_gateway):
    http_port, https_port, text, trust = tls_gateway
    assert f"listen 127.0.0.1:{https_port} ssl;" in text
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text
    with httpx.Client(verify=trust, timeout=5) as c:
        spa = c.get(f"https://127.0.0.1:{https_port}/some/page")
        assert spa.status_code == 200
        assert _security_headers(spa) == {**EXPECTED, "strict-transport-security": HSTS[1]}
        # An API answer (here the gateway's own 503: the upstream is down) carries them too.
        api = c.get(f"https://127.0.0.1:{https_port}/api/ledger/healthz")
        assert (api.status_code, api.json()["code"]) == (503, "unavailable")
        assert _security_headers(api) == {**EXPECTED, "strict-transport-security": HSTS[1]}
        unknown = c.get(f"https://127.0.0.1:{https_port}/api/nothing")
        assert unknown.status_code == 404
        assert _security_headers(unknown) == {**EXPECTED, "strict-transport-security": HSTS[1]}
        plain = c.get(f"http://127.0.0.1:{http_port}/ledger/items?page=2", follow_redirects=False)
        assert plain.status_code == 301
        assert plain.headers["location"] == f"https://127.0.0.1:{https_port}/ledger/items?page=2"


def test_nginx_without_tls_sends_the_headers_but_no_hsts(tmp_path):
    text = nginx.render(
        listen=8080,
        upstreams={s: "127.0.0.1:9" for s in ("ledger", "complaint", "notify")},
        spa_root=tmp_path,
        prefix_dir=tmp_path / "nginx",
    )
    assert "listen 127.0.0.1:8080;" in text
    assert "Strict-Transport-Security" not in text
    assert "ssl" not in text
    assert f'add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;' in text
    with pytest.raises(ValueError, match="both"):
        nginx.render(listen=1, upstreams={}, spa_root=tmp_path, prefix_dir=tmp_path, tls_cert=tmp_path / "c")


async def test_allinone_gateway_sends_the_headers_and_hsts_only_over_https(gateway):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw.test") as c:
        for path in ("/", "/api/ledger/healthz", "/api/nothing"):
            r = await c.get(path)
            assert _security_headers(r) == {**EXPECTED, "strict-transport-security": None}, path
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="https://gw.test") as c:
        r = await c.get("/api/ledger/healthz")
        assert r.status_code == 200
        assert _security_headers(r) == {**EXPECTED, "strict-transport-security": HSTS[1]}
