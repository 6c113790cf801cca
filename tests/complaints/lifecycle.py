"""Walking complaints through the workflow on chosen days (complaint-api's clock), for the
statistics, repeat and sampling tests."""

from __future__ import annotations

from datetime import date

from tests.complaints.helpers import County, TestClock, intake_body, platform_id

INTAKE = "/api/complaints/intake"


async def receive(client, cty: County, clock: TestClock, on: date, **overrides) -> str:
    clock.set(on)
    r = await client.post(INTAKE, json=intake_body(platform_id(), **overrides), headers=cty.platform)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def act(
    client, cty: County, clock: TestClock, cid: str, action: str, on: date, body: dict | None = None, who=None
):
    clock.set(on)
    who = who or (cty.unit if action in ("start", "reply", "return") else cty.office)
    r = await client.post(f"/api/complaints/complaints/{cid}/{action}", json=body or {}, headers=who)
    assert r.status_code == 200, f"{action} on {on}: {r.text}"
    return r.json()


async def close(client, cty: County, clock: TestClock, cid: str, days: list[date], satisfaction: str = "satisfied"):
    """accept, assign (unit_a), start, reply, revisit, close on the six given days."""
    steps = [
        ("accept", {}),
        ("assign", {"unit_id": cty.world.unit_a.id}),
        ("start", {}),
        ("reply", {"result": "已督促支付，款项已付清。"}),
        ("revisit", {"satisfaction": satisfaction}),
        ("close", {}),
    ]
    for (action, body), on in zip(steps, days, strict=True):
        await act(client, cty, clock, cid, action, on, body)
