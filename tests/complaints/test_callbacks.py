"""Issue 10 acceptance 5: callbacks to the complaint platform. A real local receiver is down for a
while, then up (and answers 503 once more before it is ready): every status change of the
complaint arrives once, signed (verified here exactly as docs/api.md tells the platform to), in
order; the office sees every attempt. Also: the endpoint's secret is shown once and managed by
administrators only."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time

from tests.complaints.helpers import complaint_app, intake_body, platform_id
from tests.complaints.receiver import Receiver
from tests.complaints.replicas import FAR_FUTURE, Replicas

INTAKE = "/api/complaints/intake"


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """The receiving side's check (the example of docs/api.md)."""
    timestamp = headers["x-qq-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-qq-signature"])


async def _act(client, cty, complaint_id: str, action: str, body: dict, who: dict) -> dict:
    r = await client.post(f"/api/complaints/complaints/{complaint_id}/{action}", json=body, headers=who)
    assert r.status_code == 200, f"{action}: {r.text}"
    return r.json()


async def test_every_status_change_arrives_once_signed_in_order(client, gateway, platform_db, cty):
    receiver = Receiver()
    r = await client.put(
        f"/api/complaints/callback-endpoints/{cty.platform_account_id}",
        json={"url": receiver.url},
        headers=cty.security,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert secret.startswith("qqcb_") and r.json()["secret_prefix"] == secret[:10]

    r = await client.post(INTAKE, json=intake_body(platform_id()), headers=cty.platform)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    unit_a = cty.world.unit_a.id
    steps = [
        ("accept", {}, cty.office),
        ("assign", {"unit_id": unit_a}, cty.office),
        ("return", {"reason": "不属于本单位职责"}, cty.unit),
        ("assign", {"unit_id": unit_a}, cty.office),
        ("start", {}, cty.unit),
        ("reply", {"result": "已督促被投诉单位支付全部款项。"}, cty.unit),
        ("revisit", {"satisfaction": "dissatisfied", "note": "只付了一半"}, cty.office),
        ("reopen", {"reason": "投诉人反映仅支付一半"}, cty.office),
        ("reply", {"result": "余款已于本周支付完毕。"}, cty.unit),
        ("revisit", {"satisfaction": "satisfied"}, cty.office),
        ("close", {}, cty.office),
    ]
    for action, body, who in steps:
        await _act(client, cty, cid, action, body, who)
    expected = [
        ("received", "accepted"),
        ("accepted", "assigned"),
        # returned: internal to the government side, not called back
        ("returned", "assigned"),
        ("assigned", "handling"),
        ("handling", "replied"),
        ("replied", "dissatisfied"),
        ("dissatisfied", "handling"),
        ("handling", "replied"),
        ("replied", "revisited"),
        ("revisited", "closed"),
    ]

    relay = complaint_app(gateway).state.outbox_relay
    # The receiver is down: the first change is tried (and retried), the later ones wait behind it.
    for _ in range(3):
        await relay.run_once(destinations=["callback"], due_by=FAR_FUTURE)
    r = await client.get(f"/api/complaints/complaints/{cid}/callbacks", headers=cty.office)
    assert r.status_code == 200, r.text
    waiting = r.json()
    assert [(c["previous_status"], c["status"]) for c in waiting] == expected
    assert [c["sequence"] for c in waiting] == list(range(1, 11))
    assert [a["outcome"] for a in waiting[0]["attempts"]] == ["failed"] * 3
    assert "无法连接" in waiting[0]["attempts"][0]["error"]
    assert all(c["attempts"] == [] for c in waiting[1:])
    assert waiting[0]["delivered_at"] is None and waiting[0]["next_attempt_at"] is not None

    # Up, but not ready for one more request (503), then acknowledging everything; two
    # complaint-api replicas relay at the same time.
    receiver.fail_next = 1
    await receiver.start()
    try:
        async with Replicas(platform_db, gateway, n=2) as replicas:

            async def relay_until_idle(r):
                for _ in range(60):
                    if (await r.run_once(destinations=["callback"], due_by=FAR_FUTURE)).claimed == 0:
                        await asyncio.sleep(0.05)  # the other replica may hold the head; look again
                        if (await r.run_once(destinations=["callback"], due_by=FAR_FUTURE)).claimed == 0:
                            return

            await asyncio.gather(*(relay_until_idle(r) for r in replicas.relays))
    finally:
        await receiver.stop()

    arrived = receiver.acknowledged
    assert [(m.json["previous_status"], m.json["status"]) for m in arrived] == expected
    assert [m.json["sequence"] for m in arrived] == list(range(1, 11))
    assert len({m.json["event_id"] for m in arrived}) == 10
    assert all(m.headers["x-qq-event-id"] == m.json["event_id"] for m in arrived)
    assert all(m.json["complaint_id"] == cid for m in arrived)
    assert all(verify(secret, m.headers, m.body, now=time.time()) for m in arrived)
    assert not verify("qqcb_wrong", arrived[0].headers, arrived[0].body, now=time.time())
    assert not verify(secret, arrived[0].headers, arrived[0].body + b" ", now=time.time())
    assert not verify(secret, arrived[0].headers, arrived[0].body, now=time.time() + 3600), "stale: replay refused"
    assert arrived[4].json["result"] == "已督促被投诉单位支付全部款项。"
    assert arrived[5].json["satisfaction"] == "dissatisfied"
    # One 503 before the first acknowledgement, nothing else refused.
    assert [m.status for m in receiver.received] == [503] + [200] * 10

    r = await client.get(f"/api/complaints/complaints/{cid}/callbacks", headers=cty.office)
    done = r.json()
    assert [a["outcome"] for a in done[0]["attempts"]] == ["failed"] * 4 + ["delivered"]
    assert [a["status_code"] for a in done[0]["attempts"]][3:] == [503, None]
    assert all(c["delivered_at"] is not None for c in done)
    assert all([a["outcome"] for a in c["attempts"]] == ["delivered"] for c in done[1:])


async def test_the_secret_is_shown_once_and_only_administrators_manage_endpoints(client, cty, worlds):
    account = await worlds.user(cty.world, roles=["integration"], unit=cty.world.office, kind="integration")
    path = f"/api/complaints/callback-endpoints/{account.id}"
    r = await client.put(path, json={"url": "http://127.0.0.1:9/a"}, headers=cty.office)
    assert r.status_code == 201, r.text
    assert r.json()["secret"].startswith("qqcb_")
    r = await client.get("/api/complaints/callback-endpoints", headers=cty.office)
    mine = [e for e in r.json() if e["account_id"] == account.id]
    assert len(mine) == 1 and "secret" not in mine[0]
    version = mine[0]["version"]
    r = await client.put(path, json={"url": "http://127.0.0.1:9/b"}, headers=cty.office)
    assert r.status_code == 428, r.text
    r = await client.put(
        path, json={"url": "http://127.0.0.1:9/b"}, headers={**cty.office, "If-Match": f'W/"{version}"'}
    )
    assert r.status_code == 200, r.text
    assert "secret" not in r.json() and r.json()["url"] == "http://127.0.0.1:9/b"
    r = await client.post(f"{path}/secret", headers={**cty.office, "If-Match": f'W/"{version + 1}"'})
    assert r.status_code == 200, r.text
    assert r.json()["secret"].startswith("qqcb_")
    # A unit's staff, the auditor and the platform itself may not.
    for who in (cty.unit, cty.auditor, cty.platform):
        assert (await client.get("/api/complaints/callback-endpoints", headers=who)).status_code == 403
    # Only integration accounts have callbacks.
    r = await client.put(
        f"/api/complaints/callback-endpoints/{cty.ids['unit_user']}", json={"url": "http://x.test/"}, headers=cty.office
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "not_integration_account"
