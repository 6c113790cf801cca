"""Revocation on every service within seconds (issue 9, finding 5).

A service that is not the identity provider verifies access tokens locally, so on its own it
would honour a logged-out session until the token expires (10 minutes). Each replica therefore
reads the provider's revocation feed (``GET <identity>/auth/revocations?since=<cursor>``) every
``poll_seconds`` (2 s) over its own service-authenticated client, and keeps in memory the session
ids revoked within an access token's life. The per-request check is one dict lookup
(:meth:`RevocationWatcher.check`); nothing is asked of the provider on the request path.

- ``session`` rows: tokens carrying that session id (``sid``) are refused.
- ``user`` / ``api_token`` rows: cached API-token introspections of that user or token are
  dropped, so the next use asks the provider again.
- The idle timeout needs no row: an access token is issued only when the session is active, and
  lives 10 minutes, less than the 30-minute idle timeout, so no live token belongs to an idle
  session.

Failing closed: before the first successful read, and when the feed has not been read for
``max_staleness_seconds`` (ledger-api unreachable), user tokens are refused with 503 rather than
accepted unchecked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

import httpx

from qq_kernel.auth import jwt as qjwt
from qq_kernel.auth.principal import Principal
from qq_kernel.problems import ProblemError

log = logging.getLogger("qq_kernel.revocation")

FEED_PATH = "/auth/revocations"
# How long a revoked session id is remembered: past it, every token of the session has expired.
REMEMBER_SECONDS = qjwt.ACCESS_TOKEN_SECONDS + qjwt.LEEWAY_SECONDS + 60


class RevocationWatcher:
    def __init__(
        self,
        http: httpx.AsyncClient,
        path: str,
        *,
        poll_seconds: float = 2.0,
        max_staleness_seconds: float = 60.0,
        on_purge: Callable[[str, str], None] | None = None,
    ) -> None:
        self.http = http
        self.path = path
        self.poll_seconds = poll_seconds
        self.max_staleness = max_staleness_seconds
        self.on_purge = on_purge
        self.cursor: datetime | str | None = None
        self.revoked_sessions: dict[str, float] = {}  # sid → monotonic time to forget it
        self.read_at: float | None = None  # monotonic time of the last successful read
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def poll(self) -> None:
        """One read of the feed; on failure the previous state stays (and ages)."""
        async with self._lock:
            params = {"since": self.cursor} if self.cursor else None
            response = await self.http.get(self.path, params=params)
            response.raise_for_status()
            body = response.json()
            t = time.monotonic()
            for row in body["revocations"]:
                if row["kind"] == "session":
                    self.revoked_sessions[row["subject_id"]] = t + REMEMBER_SECONDS
                elif self.on_purge is not None:
                    self.on_purge(row["kind"], row["subject_id"])
            self.cursor = body["cursor"]
            self.read_at = t
            if len(self.revoked_sessions) > 1000 and any(v < t for v in self.revoked_sessions.values()):
                self.revoked_sessions = {k: v for k, v in self.revoked_sessions.items() if v >= t}

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:
                log.warning("revocation feed unreadable: %s", exc)
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="revocation-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self, principal: Principal) -> None:
        """Refuse a user token whose session was revoked; refuse all while the feed is stale."""
        if self.read_at is None or time.monotonic() - self.read_at > self.max_staleness:
            try:
                await self.poll()
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                raise ProblemError(
                    503, code="identity_unavailable", detail="身份服务暂不可用", headers={"Retry-After": "5"}
                ) from exc
        if principal.session_id and principal.session_id in self.revoked_sessions:
            raise qjwt.TokenRejected("session_revoked", "会话已结束，请重新登录")
