"""回访复核 sampling: a random share of the period's closed complaints, drawn once per period and
office, reproducible from the stored seed and population, and in the audit trail."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import httpx
import pytest

from tests.complaints.helpers import TestClock as Clock
from tests.complaints.helpers import complaint_app, county
from tests.complaints.lifecycle import close, receive

D = date


@pytest.fixture(scope="module")
async def closed_county(gateway, worlds):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test") as c:
        cty = await county(c, worlds, await worlds.create())
        clock = Clock(complaint_app(gateway))
        try:
            closed_in_july = []
            for n in range(7):
                cid = await receive(c, cty, clock, D(2026, 6, 1))
                start = D(2026, 6, 1) + timedelta(days=n)
                days = [
                    start,
                    start,
                    start,
                    start + timedelta(days=7),
                    start + timedelta(days=8),
                    D(2026, 7, 1) + timedelta(days=n),
                ]
                await close(c, cty, clock, cid, days)
                closed_in_july.append(cid)
            # Closed in August: outside the period drawn below.
            august = await receive(c, cty, clock, D(2026, 7, 1))
            await close(c, cty, clock, august, [D(2026, 7, 1)] * 3 + [D(2026, 7, 10), D(2026, 7, 13), D(2026, 8, 3)])
            clock.set(D(2026, 8, 5))
            yield cty, closed_in_july
        finally:
            clock.restore()


async def test_a_draw_is_reproducible_and_audited(client, closed_county):
    cty, july = closed_county
    r = await client.post(
        "/api/complaints/revisit-samples",
        json={"period_start": "2026-07-01", "period_end": "2026-07-31", "share": "0.3"},
        headers=cty.office,
    )
    assert r.status_code == 201, r.text
    sample = r.json()
    assert sample["population_size"] == 7
    assert sample["sample_size"] == math.ceil(0.3 * 7) == 3
    picked = [c["complaint_id"] for c in sample["complaints"]]
    assert len(set(picked)) == 3 and set(picked) <= set(july)
    # The documented algorithm, redone here from the seed: the same three, in the same order.
    assert random.Random(int(sample["seed"], 16)).sample(sorted(july), 3) == picked
    r = await client.get(f"/api/complaints/revisit-samples/{sample['id']}/check", headers=cty.auditor)
    assert r.status_code == 200, r.text
    assert r.json() == {"reproduced": True, "population_intact": True, "sample": picked}
    # In the audit trail with its seed.
    r = await client.get(
        "/api/complaints/audit",
        params={"action": "revisit_sample.drawn", "object_id": sample["id"]},
        headers=cty.auditor,
    )
    [entry] = r.json()["items"]
    assert (entry["after"]["seed"], entry["after"]["sample"], entry["after"]["population_size"]) == (
        sample["seed"],
        picked,
        7,
    )
    # Once per period: no second draw until the sample suits someone.
    r = await client.post(
        "/api/complaints/revisit-samples",
        json={"period_start": "2026-07-01", "period_end": "2026-07-31"},
        headers=cty.office,
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "sample_exists"


async def test_the_configured_share_applies_and_units_cannot_draw_or_read(client, closed_county):
    cty, _ = closed_county
    # August: one closed complaint; the default share (10 %) of it is still one.
    r = await client.post(
        "/api/complaints/revisit-samples",
        json={"period_start": "2026-08-01", "period_end": "2026-08-31"},
        headers=cty.office,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["share"], r.json()["population_size"], r.json()["sample_size"]) == ("0.1000", 1, 1)
    assert (
        await client.post(
            "/api/complaints/revisit-samples",
            json={"period_start": "2026-09-01", "period_end": "2026-09-30"},
            headers=cty.unit,
        )
    ).status_code == 403
    assert (await client.get("/api/complaints/revisit-samples", headers=cty.unit)).status_code == 403
    r = await client.post(
        "/api/complaints/revisit-samples",
        json={"period_start": "2026-09-30", "period_end": "2026-09-01"},
        headers=cty.office,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["period_end"]
