"""Issue 15: the first administrator's one-time password is not lost among the start-up logs: it
is printed in a framed block once the server has started, and kept in the data directory with
mode 0600."""

from __future__ import annotations

import stat
import threading

import uvicorn

from qqctl import first_admin


async def _app(scope, receive, send):  # the smallest ASGI app uvicorn can start (lifespan unsupported)
    raise RuntimeError(scope["type"])


def test_the_notice_is_framed_and_saved_for_the_owner_only(tmp_path):
    text = first_admin.notice("admin", "Xy7-secret")
    path = first_admin.save(tmp_path / "data", text)
    assert path == tmp_path / "data" / "first-admin.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Xy7-secret" in path.read_text(encoding="utf-8")

    path.chmod(0o644)  # an older copy with a looser mode is tightened when written again
    first_admin.save(tmp_path / "data", text)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    block = first_admin.framed(text).strip("\n").splitlines()
    assert block[0] == block[-1] == first_admin.RULE
    assert block[1:-1] == [f"|| {line}" for line in text.splitlines()]
    assert any("admin" in line for line in block) and any("Xy7-secret" in line for line in block)


def test_the_notice_is_printed_only_after_the_server_has_started(capsys):
    server = uvicorn.Server(uvicorn.Config(_app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    announcer = first_admin.announce_when_started(server, "FIRST-ADMIN-BLOCK", poll=0.01)
    announcer.join(0.3)
    assert announcer.is_alive() and "FIRST-ADMIN-BLOCK" not in capsys.readouterr().out  # not before start-up

    serving = threading.Thread(target=server.run)
    serving.start()
    try:
        announcer.join(30)
        assert not announcer.is_alive()
        assert server.started
        assert capsys.readouterr().out == "FIRST-ADMIN-BLOCK\n"
    finally:
        server.should_exit = True
        serving.join(30)


def test_nothing_is_printed_when_the_server_stops_before_starting(capsys):
    server = uvicorn.Server(uvicorn.Config(_app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    announcer = first_admin.announce_when_started(server, "FIRST-ADMIN-BLOCK", poll=0.01)
    server.should_exit = True
    announcer.join(5)
    assert not announcer.is_alive() and capsys.readouterr().out == ""
