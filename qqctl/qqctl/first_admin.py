"""The first administrator's one-time password, announced so that nobody misses it: a framed
block printed once the server is up (after uvicorn's start-up lines, not among the migration
logs), and a copy in the data directory that only the owner can read."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Protocol

FILE_NAME = "first-admin.txt"
RULE = "=" * 64


def notice(username: str, password: str) -> str:
    return "\n".join(
        [
            "首次启动：已创建管理员 / first start, administrator created",
            f"  用户名 / username:           {username}",
            f"  一次性密码 / one-time password: {password}",
            "  首次登录须修改密码 / change it at first login",
        ]
    )


def framed(text: str) -> str:
    """Rules above and below, every line marked: no right border (CJK widths vary by terminal)."""
    body = "\n".join(f"|| {line}" for line in text.splitlines())
    return f"\n{RULE}\n{body}\n{RULE}\n"


def save(data_dir: Path, text: str) -> Path:
    """Written with mode 0600 from the first byte (no window in which others could read it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + f"\n（此文件在首次登录改密后可删除 / delete this file after the first login: {path}）\n")
    os.chmod(path, 0o600)  # an older copy may have had another mode
    return path


class _Started(Protocol):
    started: bool
    should_exit: bool


def announce_when_started(server: _Started, text: str, *, poll: float = 0.1) -> threading.Thread:
    """Print ``text`` once ``server`` (a uvicorn.Server) has finished starting up."""

    def wait() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(poll)
        print(text, flush=True)

    thread = threading.Thread(target=wait, name="announce-first-admin", daemon=True)
    thread.start()
    return thread
