from __future__ import annotations

import httpx
import pytest

from tests.complaints.helpers import TestClock, complaint_app, county


@pytest.fixture(scope="module")
async def cty(gateway, worlds):
    """One county per test module: its people log in once (argon2 is slow on purpose); each test
    makes its own complaints."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        return await county(c, worlds, await worlds.create())


@pytest.fixture
def clock(gateway):
    c = TestClock(complaint_app(gateway))
    yield c
    c.restore()
