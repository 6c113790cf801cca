"""The platform calendar as every service sees it (issue 10).

The holiday schedules operators load live in ledger-api (``/api/ledger/calendar``); the other
services read them over HTTP with their service identity and keep them at most ``max_age``
seconds, so a newly loaded year takes effect everywhere within a minute. On top of the years the
``chinese-calendar`` package ships, the loaded years are authoritative (a correction of a shipped
year wins). When ledger-api cannot be reached, the last years read keep serving (logged): a
deadline into a year nobody loaded is provisional anyway, never guessed silently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import httpx

from qq_kernel.workdays import WorkCalendar

log = logging.getLogger(__name__)

CALENDAR_YEARS_PATH = "/api/ledger/calendar/years"

HeadersFactory = Callable[[], Awaitable[dict[str, str]]]


class CalendarSource:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        path: str = CALENDAR_YEARS_PATH,
        headers: HeadersFactory | None = None,
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.path = path
        self.headers = headers
        self.max_age = max_age
        self.clock = clock
        self._official = WorkCalendar.official()
        self._calendar: WorkCalendar | None = None
        self._fetched_at = float("-inf")
        self._signature: tuple = ()
        self._lock = asyncio.Lock()

    @property
    def loaded_years(self) -> tuple:
        """(year, version) of the operator years in use, to tell when they changed."""
        return self._signature

    async def calendar(self) -> WorkCalendar:
        if self._calendar is not None and self.clock() - self._fetched_at < self.max_age:
            return self._calendar
        async with self._lock:
            if self._calendar is None or self.clock() - self._fetched_at >= self.max_age:
                await self._refresh()
        assert self._calendar is not None
        return self._calendar

    def invalidate(self) -> None:
        self._fetched_at = float("-inf")

    async def _refresh(self) -> None:
        try:
            headers = await self.headers() if self.headers else None
            response = await self.http.get(self.path, headers=headers)
            response.raise_for_status()
            body = response.json()
        except Exception as exc:  # any failure of the remote read: keep what we have
            log.warning("calendar years not refreshed from %s: %s", self.path, exc)
            if self._calendar is None:
                self._calendar = WorkCalendar(self._official.schedule(y) for y in self._official.years)
            # Try again soon, not on every call.
            self._fetched_at = self.clock() - self.max_age + min(self.max_age, 5.0)
            return
        calendar = WorkCalendar(self._official.schedule(y) for y in self._official.years)
        years = body.get("items", [])
        calendar.add_years_from_json(
            {str(y["year"]): {"holidays": y["holidays"], "workdays": y["workdays"]} for y in years}
        )
        self._calendar = calendar
        self._signature = tuple(sorted((y["year"], y.get("version", 0)) for y in years))
        self._fetched_at = self.clock()
